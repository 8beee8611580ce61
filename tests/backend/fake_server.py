#!/usr/bin/env python3
"""A stateful fake of the OpenAI fine-tuning API for tuneprep's tests (standard library only).

Stores files and multipart uploads, runs each job through validating_files -> queued -> running
-> succeeded (or failed) one step per status poll, with events and a metrics CSV result file, and
injects faults on demand. Listens on 127.0.0.1 only.

  fake_server.py --port-file PATH --key KEY     # writes the chosen port to PATH when ready

Control endpoints (no key needed):
  POST /_control/faults {"faults": [{"method": "POST", "path": "/files", "kind": "429",
        "count": 1, "skip": 0, "retry_after": "1", "seconds": 3}]}
     kind: 429 (with Retry-After), 500, 503, drop (close the connection mid-request), slow
     (sleep `seconds` before answering); `skip` matching requests pass first; `path` is a substring.
  GET  /_control/log      every API request: method, path, status
  GET  /_control/state    uploads with their parts, files, jobs
A job whose suffix is "fail" fails; "overfit" gives a validation loss that rises after step 6.
"""
import argparse
import hashlib
import json
import math
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.RLock()
STATE = {"files": {}, "uploads": {}, "jobs": {}, "faults": [], "log": [], "next": 1}
TOTAL_STEPS = 12


def next_id(prefix):
    STATE["next"] += 1
    return f"{prefix}{STATE['next']:06d}"


def parse_multipart(body, content_type):
    boundary = None
    for item in content_type.split(";"):
        item = item.strip()
        if item.startswith("boundary="):
            boundary = item[len("boundary="):].strip('"')
    if boundary is None:
        return {}
    fields = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, value = chunk.partition(b"\r\n\r\n")
        value = value[:-2] if value.endswith(b"\r\n") else value
        name = filename = None
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-disposition"):
                for part in line.split(";"):
                    part = part.strip()
                    if part.startswith("name="):
                        name = part[5:].strip('"')
                    elif part.startswith("filename="):
                        filename = part[9:].strip('"')
        if name is not None:
            fields[name] = (filename, value)
    return fields


def metrics_csv(overfit):
    rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
    for step in range(1, TOTAL_STEPS + 1):
        train = 2.0 * math.exp(-step / 4.0) + 0.3
        valid = ""
        if step % 2 == 0:
            if overfit and step > 6:
                v = 2.0 * math.exp(-6 / 4.0) + 0.45 + 0.08 * (step - 6)
            else:
                v = 2.0 * math.exp(-step / 4.0) + 0.45
            valid = f"{v:.5f}"
        rows.append(f"{step},{train:.5f},{0.5 + step / 40:.3f},{valid},{'0.6' if valid else ''}")
    return "\n".join(rows) + "\n"


def add_event(job, message, level="info", data=None):
    job["events"].append({"object": "fine_tuning.job.event", "id": next_id("ftevent-"),
                          "created_at": int(time.time()), "level": level, "message": message,
                          "data": data or {}, "type": "metrics" if data else "message"})


def advance(job):
    """One poll, one step of the lifecycle."""
    status = job["status"]
    if status == "validating_files":
        if job["suffix"] == "fail":
            job["status"] = "failed"
            job["error"] = {"code": "invalid_training_file", "param": "training_file",
                            "message": "The job failed due to an invalid training file."}
            add_event(job, "Training file has invalid format", "error")
            return
        job["status"] = "queued"
        add_event(job, "Files validated, moving job to queued state")
    elif status == "queued":
        job["status"] = "running"
        add_event(job, "Fine-tuning job started")
    elif status == "running":
        csv = metrics_csv(job["suffix"] == "overfit").splitlines()[1:]
        for _ in range(4):
            if job["step"] >= TOTAL_STEPS:
                break
            cells = csv[job["step"]].split(",")
            job["step"] += 1
            data = {"step": job["step"], "train_loss": float(cells[1]), "total_steps": TOTAL_STEPS}
            message = f"Step {job['step']}/{TOTAL_STEPS}: training loss={float(cells[1]):.4f}"
            if cells[3]:
                data["valid_loss"] = float(cells[3])
                message += f", validation loss={float(cells[3]):.4f}"
            add_event(job, message, data=data)
        if job["step"] >= TOTAL_STEPS:
            result = next_id("file-")
            STATE["files"][result] = {"id": result, "object": "file", "bytes": 0, "created_at": int(time.time()),
                                      "filename": "step_metrics.csv", "purpose": "fine-tune-results",
                                      "status": "processed", "content": metrics_csv(job["suffix"] == "overfit").encode()}
            STATE["files"][result]["bytes"] = len(STATE["files"][result]["content"])
            job["result_files"] = [result]
            job["status"] = "succeeded"
            job["fine_tuned_model"] = f"ft:{job['model']}:tuneprep:{job['suffix'] or 'model'}:{job['id'][-6:]}"
            job["trained_tokens"] = 12345
            job["finished_at"] = int(time.time())
            add_event(job, f"New fine-tuned model created: {job['fine_tuned_model']}")
            add_event(job, "The job has successfully completed")


def public_job(job):
    return {k: v for k, v in job.items() if k not in ("events", "step", "suffix")} | {"suffix": job["suffix"] or None}


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-openai/1"
    key = ""

    def log_message(self, *args):
        pass

    def reply(self, status, payload, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", f"req_{STATE['next']:06d}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        with LOCK:
            if not self.path.startswith("/_control"):
                STATE["log"].append({"method": self.command, "path": self.api_path, "status": status})

    def error(self, status, message, code=None, headers=None):
        kind = "server_error" if status >= 500 else "requests" if status == 429 else "invalid_request_error"
        self.reply(status, {"error": {"message": message, "type": kind, "param": None,
                                      "code": code}}, headers)

    def fault(self):
        with LOCK:
            for f in STATE["faults"]:
                if f.get("method", self.command) != self.command or f.get("path", "") not in self.api_path:
                    continue
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                if f.get("count", 1) <= 0:
                    continue
                f["count"] = f.get("count", 1) - 1
                STATE["log"].append({"method": self.command, "path": self.api_path, "status": "fault:" + f["kind"]})
                return dict(f)
        return None

    def handle_api(self):
        parsed = urlparse(self.path)
        self.api_path = parsed.path[3:] if parsed.path.startswith("/v1/") else parsed.path
        self.query = parse_qs(parsed.query)
        length = int(self.headers.get("Content-Length") or 0)
        if self.api_path.startswith("/_control"):
            body = self.rfile.read(length) if length else b""
            return self.control(body)
        f = self.fault()
        if f and f["kind"] == "drop":
            # Read a little of the request, then vanish: the client sees a reset connection.
            self.rfile.read(min(length, 1024))
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        if f and f["kind"] == "slow":
            time.sleep(float(f.get("seconds", 3)))
        if f and f["kind"] in ("429", "500", "503"):
            headers = {}
            if "retry_after" in f:
                headers["Retry-After"] = str(f["retry_after"])
            if "retry_after_ms" in f:
                headers["retry-after-ms"] = str(f["retry_after_ms"])
            return self.error(int(f["kind"]), "injected fault", "rate_limit_exceeded" if f["kind"] == "429" else None,
                              headers)
        if self.headers.get("Authorization") != f"Bearer {self.key}":
            return self.error(401, "Incorrect API key provided", "invalid_api_key")
        with LOCK:
            return self.route(body)

    def route(self, body):
        p, m = self.api_path.rstrip("/").split("/")[1:], self.command
        if m == "POST" and p == ["files"]:
            fields = parse_multipart(body, self.headers.get("Content-Type", ""))
            if "file" not in fields or "purpose" not in fields:
                return self.error(400, "file and purpose are required")
            fid = next_id("file-")
            STATE["files"][fid] = {"id": fid, "object": "file", "bytes": len(fields["file"][1]),
                                   "created_at": int(time.time()), "filename": fields["file"][0],
                                   "purpose": fields["purpose"][1].decode(), "status": "processed",
                                   "content": fields["file"][1]}
            return self.reply(200, {k: v for k, v in STATE["files"][fid].items() if k != "content"})
        if m == "POST" and p == ["uploads"]:
            req = json.loads(body)
            uid = next_id("upload_")
            STATE["uploads"][uid] = {"id": uid, "object": "upload", "bytes": req["bytes"], "filename": req["filename"],
                                     "purpose": req["purpose"], "status": "pending", "created_at": int(time.time()),
                                     "expires_at": int(time.time()) + 3600, "parts": {}}
            return self.reply(200, {k: v for k, v in STATE["uploads"][uid].items() if k != "parts"})
        if m == "POST" and len(p) == 3 and p[0] == "uploads" and p[2] == "parts":
            upload = STATE["uploads"].get(p[1])
            if upload is None or upload["status"] != "pending":
                return self.error(404, f"No pending upload {p[1]}")
            fields = parse_multipart(body, self.headers.get("Content-Type", ""))
            if "data" not in fields:
                return self.error(400, "data is required")
            pid = next_id("part_")
            upload["parts"][pid] = fields["data"][1]
            return self.reply(200, {"id": pid, "object": "upload.part", "created_at": int(time.time()),
                                    "upload_id": p[1]})
        if m == "POST" and len(p) == 3 and p[0] == "uploads" and p[2] == "complete":
            upload = STATE["uploads"].get(p[1])
            if upload is None or upload["status"] != "pending":
                return self.error(404, f"No pending upload {p[1]}")
            req = json.loads(body)
            if any(pid not in upload["parts"] for pid in req["part_ids"]):
                return self.error(400, "unknown part id")
            content = b"".join(upload["parts"][pid] for pid in req["part_ids"])
            if len(content) != upload["bytes"]:
                return self.error(400, f"parts hold {len(content)} bytes, the upload was created for {upload['bytes']}")
            if "md5" in req and hashlib.md5(content).hexdigest() != req["md5"]:
                return self.error(400, "md5 mismatch", "md5_mismatch")
            fid = next_id("file-")
            STATE["files"][fid] = {"id": fid, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                                   "filename": upload["filename"], "purpose": upload["purpose"],
                                   "status": "processed", "content": content}
            upload["status"] = "completed"
            upload["completed_parts"] = list(req["part_ids"])
            out = {k: v for k, v in upload.items() if k not in ("parts", "completed_parts")}
            out["file"] = {k: v for k, v in STATE["files"][fid].items() if k != "content"}
            return self.reply(200, out)
        if m == "GET" and len(p) == 3 and p[0] == "files" and p[2] == "content":
            f = STATE["files"].get(p[1])
            if f is None:
                return self.error(404, f"No such File object: {p[1]}")
            return self.reply(200, None, raw=f["content"])
        if p[:2] == ["fine_tuning", "jobs"]:
            return self.jobs(m, p[2:], body)
        return self.error(404, f"Unknown route {m} {self.api_path}")

    def jobs(self, m, p, body):
        if m == "POST" and not p:
            req = json.loads(body)
            for key in ("training_file", "validation_file"):
                if req.get(key) and req[key] not in STATE["files"]:
                    return self.error(400, f"invalid {key}: {req[key]}", "invalid_file")
            jid = next_id("ftjob-")
            method = req.get("method", {"type": "supervised"})
            STATE["jobs"][jid] = {"object": "fine_tuning.job", "id": jid, "model": req["model"],
                                  "created_at": int(time.time()), "finished_at": None, "fine_tuned_model": None,
                                  "organization_id": "org-fake", "result_files": [], "status": "validating_files",
                                  "validation_file": req.get("validation_file"), "training_file": req["training_file"],
                                  "hyperparameters": method.get(method["type"], {}).get("hyperparameters", {}),
                                  "method": method, "trained_tokens": None, "error": None, "seed": req.get("seed", 0),
                                  "events": [], "step": 0, "suffix": req.get("suffix", "")}
            add_event(STATE["jobs"][jid], f"Validating training file: {req['training_file']}")
            return self.reply(200, public_job(STATE["jobs"][jid]))
        if m == "GET" and not p:
            limit = int(self.query.get("limit", ["20"])[0])
            jobs = sorted(STATE["jobs"].values(), key=lambda j: j["id"], reverse=True)[:limit]
            return self.reply(200, {"object": "list", "data": [public_job(j) for j in jobs], "has_more": False})
        job = STATE["jobs"].get(p[0])
        if job is None:
            return self.error(404, f"Could not find fine-tune job: {p[0]}", "fine_tune_not_found")
        if m == "GET" and len(p) == 1:
            if job["status"] not in ("succeeded", "failed", "cancelled"):
                advance(job)
            return self.reply(200, public_job(job))
        if m == "GET" and p[1:] == ["events"]:
            limit = int(self.query.get("limit", ["20"])[0])
            newest_first = list(reversed(job["events"]))
            after = self.query.get("after", [None])[0]
            start = next((i + 1 for i, e in enumerate(newest_first) if e["id"] == after), 0) if after else 0
            events = newest_first[start:start + limit]
            return self.reply(200, {"object": "list", "data": events, "has_more": start + limit < len(newest_first)})
        if m == "POST" and p[1:] == ["cancel"]:
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return self.error(400, f"Job {job['id']} has already {job['status']}", "invalid_state")
            job["status"] = "cancelled"
            add_event(job, "Job cancelled by request")
            return self.reply(200, public_job(job))
        return self.error(404, f"Unknown route {m} {self.api_path}")

    def control(self, body):
        if self.command == "POST" and self.api_path == "/_control/faults":
            with LOCK:
                STATE["faults"] = json.loads(body)["faults"]
            return self.reply(200, {"ok": True})
        if self.api_path == "/_control/log":
            with LOCK:
                return self.reply(200, {"log": STATE["log"]})
        if self.api_path == "/_control/state":
            with LOCK:
                uploads = {u["id"]: {"status": u["status"], "parts": len(u["parts"]), "bytes": u["bytes"]}
                           for u in STATE["uploads"].values()}
                files = {f["id"]: {"bytes": f["bytes"], "filename": f["filename"]} for f in STATE["files"].values()}
                jobs = {j["id"]: {"status": j["status"], "method": j["method"], "suffix": j["suffix"],
                                  "seed": j["seed"], "validation_file": j["validation_file"]}
                        for j in STATE["jobs"].values()}
            return self.reply(200, {"uploads": uploads, "files": files, "jobs": jobs})
        return self.error(404, "unknown control endpoint")

    do_GET = handle_api
    do_POST = handle_api


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    Handler.key = args.key
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
