"""Documents: the files that come in with a task (the client's), go back with it (the operator's
deliverables) or ride on its conversation, kept on object storage (:mod:`retaguarda.storage`)."""
