"""Staffing: skills, operators, pools, dated memberships and shifts; planning in staffing.planning."""
