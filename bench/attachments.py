"""Task files through the API against the storage backend itself: a 100 MB file uploaded (multipart, streamed)
and downloaded through a real uvicorn server, against writing and reading the same bytes with the backend
directly; then 1,000 files of 200 KB each way. The server's resident memory is read before and at its peak.

Backend: the local folder (embedded default), or S3 with BENCH_BACKEND=s3 (moto's server is started on a
loopback port, as the tests do). SQLite in a temporary folder. Prints one JSON line last:
{"bench":"attachments","backend":…,"upload_mb_s":…,"raw_mb_s":…,"ratio":…,"small_per_s":…,
 "raw_small_per_s":…,"small_ratio":…,"rss_growth_mb":…}

upload_mb_s / raw_mb_s: the big file's megabytes moved per second over its upload and its download together;
small_per_s / raw_small_per_s: small files stored per second (8 at a time on both sides); rss_growth_mb: the
server's peak resident memory over the big file's round trip minus its resident memory before it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="retaguarda-bench-files-"))
BIG_MB = int(os.environ.get("BENCH_BIG_MB", "100"))
SMALL_FILES = int(os.environ.get("BENCH_SMALL_FILES", "1000"))
SMALL_KB = 200
CONCURRENCY = 8
CHUNK = 1024 * 1024
os.environ.update(
    {
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "ERROR",
        "RETAGUARDA_DATA_DIR": str(DATA),
        "SQLITE_PATH": str(DATA / "bench.sqlite3"),
        "FILES_MAX_BYTES": str((BIG_MB + 10) * 1024 * 1024),
        "FILES_MAX_TASK_BYTES": str(10 * 1024**3),
    }
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("a server did not start") from None
            time.sleep(0.1)


async def _wait_for_server(port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(600):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if process.returncode is not None:
                break
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


def _start_s3() -> subprocess.Popen[bytes]:
    import httpx

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(port, process)
    endpoint = f"http://127.0.0.1:{port}"
    httpx.put(f"{endpoint}/bench-files").raise_for_status()
    os.environ.update(
        {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "bench-files",
            "S3_ENDPOINT": endpoint,
            "S3_ACCESS_KEY_ID": "bench",
            "S3_SECRET_ACCESS_KEY": "bench",
        }
    )
    return process


def _rss_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


def _reset_peak(pid: int) -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+), so the peak is the round trip's.
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def _setup() -> tuple[str, str]:
    """A migrated database with a client, its floor and an API key; returns (key, client tenant id)."""
    from retaguarda.app import create_app, running_services
    from retaguarda.auth import hash_token, new_api_key, token_prefix
    from retaguarda.settings import get_settings
    from tenants.tables import ApiKey
    from tests.support.database import migrate
    from tests.support.work import build_floor
    from tests.support.world import build_world

    await migrate()
    app = create_app()
    async with running_services(get_settings()):
        world = await build_world(app)
        await build_floor(world)
        secret = new_api_key()
        await ApiKey(
            tenant_id=world.client_a.id,
            name="bench",
            prefix=token_prefix(secret),
            key_hash=hash_token(secret),
            scopes=["tasks:read", "tasks:write"],
        ).save()
        return secret, str(world.client_a.id)


def _big_file() -> Path:
    path = DATA / "big.pdf"
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(BIG_MB):
            out.write(os.urandom(CHUNK))
    return path


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


async def _api_round_trip(client: Any, task_id: str, path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with path.open("rb") as source:
        sent = await client.post(
            f"/api/v1/tasks/{task_id}/files", files=[("files", ("big.pdf", source, "application/pdf"))]
        )
    assert sent.status_code == 201, sent.text
    file_id = sent.json()[0]["id"]
    received = 0
    link = (await client.get(f"/api/v1/files/{file_id}/link")).json()["url"]
    async with client.stream("GET", link) as answer:
        assert answer.status_code == 200
        async for chunk in answer.aiter_bytes():
            received += len(chunk)
    return time.perf_counter() - started, received


async def _raw_round_trip(path: Path) -> tuple[float, int]:
    from retaguarda.storage import get_storage

    storage = get_storage()
    started = time.perf_counter()
    await storage.put(
        "bench/raw-big", _file_chunks(path), content_type="application/pdf", disposition="attachment"
    )
    received = 0
    async for chunk in storage.read("bench/raw-big"):
        received += len(chunk)
    return time.perf_counter() - started, received


async def _small_api(client: Any, task_id: str, content: bytes) -> float:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(number: int) -> None:
        async with semaphore:
            sent = await client.post(
                f"/api/v1/tasks/{task_id}/files",
                files=[("files", (f"doc-{number}.pdf", content, "application/pdf"))],
            )
            assert sent.status_code == 201, sent.text

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(SMALL_FILES)))
    return time.perf_counter() - started


async def _small_raw(content: bytes) -> float:
    from retaguarda.storage import get_storage

    storage = get_storage()
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(number: int) -> None:
        async def body() -> AsyncIterator[bytes]:
            yield content

        async with semaphore:
            await storage.put(
                f"bench/small-{number}", body(), content_type="application/pdf", disposition="x"
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(SMALL_FILES)))
    return time.perf_counter() - started


async def main() -> dict[str, object]:
    import httpx

    s3 = _start_s3() if os.environ.get("BENCH_BACKEND") == "s3" else None
    secret, _ = await _setup()
    port = _free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "retaguarda.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log",
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        await _wait_for_server(port, server)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=600,
        ) as client:
            created = await client.post(
                "/api/v1/tasks", json={"taskType": "payable", "payload": {"supplier": "ACME", "amount": "1"}}
            )
            assert created.status_code == 201, created.text
            task_id = created.json()["id"]
            small = b"%PDF-1.4\n" + os.urandom(SMALL_KB * 1024 - 9)
            await _small_api(client, task_id, small)  # warm-up (and the same files on both sides' backend)
            big = _big_file()
            rss_before = _rss_mb(server.pid, "VmRSS")
            _reset_peak(server.pid)
            api_s, api_bytes = await _api_round_trip(client, task_id, big)
            rss_peak = _rss_mb(server.pid, "VmHWM")
            raw_s, raw_bytes = await _raw_round_trip(big)
            assert api_bytes == raw_bytes == big.stat().st_size
            small_api_s = await _small_api(client, task_id, small)
            small_raw_s = await _small_raw(small)
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=20)
        if s3 is not None:
            s3.terminate()
            s3.wait(timeout=20)

    megabytes = 2 * api_bytes / 1024**2
    return {
        "bench": "attachments",
        "backend": "s3" if s3 is not None else "local",
        "upload_mb_s": round(megabytes / api_s, 1),
        "raw_mb_s": round(megabytes / raw_s, 1),
        "ratio": round(raw_s / api_s, 3),
        "small_per_s": round(SMALL_FILES / small_api_s, 1),
        "raw_small_per_s": round(SMALL_FILES / small_raw_s, 1),
        "small_ratio": round(small_raw_s / small_api_s, 3),
        "rss_growth_mb": round(rss_peak - rss_before, 1),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
