"""`rtlgym model serve`: transformers' own OpenAI-compatible server (`transformers serve`: its model manager,
chat and completion handlers, FastAPI app and uvicorn) pinned to one local model directory, with the three things
it lacks for rtlgym and vLLM-style clients added around its handlers:

- `/v1/models` lists the served model (transformers lists only the Hugging Face cache, where a local directory
  never is, so clients that check the model name would refuse it);
- `n`: transformers ignores it and answers one choice; here n > 1 is drawn in one batched `generate` call of the
  same model with the generation config transformers' handler builds from the request (n = 1 goes to its handler
  unchanged), and stop strings are cut from the answer as OpenAI does;
- `logprobs` / `top_logprobs` (chat) and `logprobs: k` (completions): transformers ignores them; here each answer is
  re-tokenized and scored by one forward pass of the same model after the prompt (the model's own distribution, at
  temperature 1, as vLLM reports by default).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m rtlgym_train serve")
    ap.add_argument("model", help="a Hugging Face model directory (e.g. the output of rtlgym train sft)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--name", default=None, help="model name clients send (default: the directory's name)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--max-n", type=int, default=64)
    return ap.parse_args(argv)


def _logprobs(model: Any, tokenizer: Any, prompt_ids: list[int], text: str, top: int) -> list[dict[str, Any]]:
    """Per-token logprobs of `text` after `prompt_ids` (re-tokenized, one forward pass)."""
    import torch

    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        return []
    full = torch.tensor([prompt_ids + ids], device=model.device)
    with torch.no_grad():
        logits = model(full).logits[0, len(prompt_ids) - 1 : -1].float()
    lp = torch.log_softmax(logits, dim=-1)
    out = []
    for i, tid in enumerate(ids):
        entry: dict[str, Any] = {
            "token": tokenizer.decode([tid]),
            "logprob": float(lp[i, tid]),
            "bytes": list(tokenizer.decode([tid]).encode("utf-8")),
        }
        if top > 0:
            values, idx = torch.topk(lp[i], min(top, lp.shape[-1]))
            entry["top_logprobs"] = [
                {"token": tokenizer.decode([int(t)]), "logprob": float(v), "bytes": list(tokenizer.decode([int(t)]).encode())}
                for v, t in zip(values.tolist(), idx.tolist())
            ]
        else:
            entry["top_logprobs"] = []
        out.append(entry)
    return out


def build_app(model_dir: str, served_name: str, device: str = "cpu", max_n: int = 64):
    from fastapi import HTTPException
    from fastapi.responses import JSONResponse
    from starlette.routing import Route
    from transformers.cli.serving.chat_completion import ChatCompletionHandler
    from transformers.cli.serving.completion import CompletionHandler
    from transformers.cli.serving.model_manager import ModelManager
    from transformers.cli.serving.response import ResponseHandler
    from transformers.cli.serving.server import build_server
    from transformers.cli.serving.systemone import SystemOneHandler
    from transformers.cli.serving.transcription import TranscriptionHandler
    from transformers.cli.serving.utils import GenerationState

    manager = ModelManager(device=device, dtype="auto", force_model=model_dir)
    state = GenerationState(continuous_batching=False, compile=False, cb_config=None)
    chat = ChatCompletionHandler(model_manager=manager, generation_state=state, chat_template_kwargs={})
    completion = CompletionHandler(model_manager=manager, generation_state=state)
    app = build_server(
        manager,
        chat,
        completion_handler=completion,
        response_handler=ResponseHandler(model_manager=manager, generation_state=state, chat_template_kwargs={}),
        transcription_handler=TranscriptionHandler(manager, state),
        systemone_handler=SystemOneHandler(model_manager=manager, generation_state=state, chat_template_kwargs={}),
        generation_state=state,
    )
    names = {served_name, model_dir}
    lock = asyncio.Lock()  # one generation at a time: the seed is global torch state

    def loaded() -> tuple[Any, Any]:
        model_id = manager.process_model_name(model_dir)
        model, processor = manager.load_model_and_processor(model_id)
        return model, getattr(processor, "tokenizer", processor)


    async def sample_batch(handler: Any, body: dict, kind: str, n: int) -> tuple[list[str], list[str], int, int]:
        """n answers of one prompt in one batched `generate` call (transformers serve would draw one)."""
        import torch

        model, tokenizer = loaded()
        gen = handler._build_generation_config(copy.deepcopy(body), model.generation_config)  # seeds torch too
        greedy = not gen.do_sample
        gen.num_return_sequences = 1 if greedy else n
        if kind == "chat":
            inputs = tokenizer.apply_chat_template(
                body["messages"], add_generation_prompt=True, return_dict=True, return_tensors="pt", tokenize=True
            )
        else:
            inputs = tokenizer(body["prompt"], return_tensors="pt", add_special_tokens=False)
        inputs = {k: v.to(model.device) for k, v in inputs.items()}
        prompt_len = int(inputs["input_ids"].shape[-1])

        def run() -> Any:
            with torch.no_grad():
                return model.generate(**inputs, generation_config=gen, tokenizer=tokenizer)

        sequences = await asyncio.to_thread(run)
        ends = gen.eos_token_id if isinstance(gen.eos_token_id, list) else [gen.eos_token_id]
        ends = {e for e in [*ends, gen.pad_token_id, tokenizer.eos_token_id] if e is not None}
        texts, reasons, generated = [], [], 0
        for row in sequences[:, prompt_len:].tolist():
            stop_at = next((i for i, t in enumerate(row) if t in ends), None)
            ids = row if stop_at is None else row[:stop_at]
            generated += len(ids) + (0 if stop_at is None else 1)
            texts.append(tokenizer.decode(ids, skip_special_tokens=True))
            limit = gen.max_new_tokens
            reasons.append("length" if stop_at is None and limit is not None and len(row) >= limit else "stop")
        if greedy:
            texts, reasons, generated = texts * n, reasons * n, generated * n
        return texts, reasons, prompt_len, generated

    async def handle(request: Any, kind: str) -> Any:
        body = await request.json()
        if not isinstance(body, dict):
            raise HTTPException(status_code=400, detail="the body must be a JSON object")
        requested = body.get("model")
        if requested is not None and requested not in names:
            raise HTTPException(status_code=404, detail=f"model {requested!r} is not served; served: {served_name}")
        body["model"] = model_dir
        n = body.pop("n", None) or 1
        if not isinstance(n, int) or n < 1 or n > max_n:
            raise HTTPException(status_code=400, detail=f"n must be an integer in 1..{max_n}")
        if kind == "chat":
            want_lp = bool(body.pop("logprobs", False))
            top = int(body.pop("top_logprobs", 0) or 0)
        else:
            raw = body.pop("logprobs", None)
            want_lp = raw is not None
            top = int(raw or 0)
        if body.get("stream") and (n > 1 or want_lp):
            raise HTTPException(status_code=400, detail="stream is supported with n=1 and no logprobs only")
        handler = chat if kind == "chat" else completion
        request_id = request.state.request_id
        if body.get("stream"):
            return await handler.handle_request(body, request_id)
        stops = body.get("stop")
        stops = [stops] if isinstance(stops, str) else list(stops or [])
        choices: list[dict[str, Any]] = []
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        first: dict[str, Any] | None = None
        if n == 1:
            # One answer: transformers' own handler, as `transformers serve` answers it.
            async with lock:
                response = await handler.handle_request(copy.deepcopy(body), request_id)
            first = json.loads(bytes(response.body))
            choices = first.get("choices", [])[:1]
            u = first.get("usage") or {}
            usage["prompt_tokens"] = u.get("prompt_tokens", 0)
            usage["completion_tokens"] = u.get("completion_tokens", 0)
        else:
            async with lock:
                texts, reasons, prompt_len, generated = await sample_batch(handler, body, kind, n)
            usage["prompt_tokens"] = prompt_len
            usage["completion_tokens"] = generated
            for i, (text, reason) in enumerate(zip(texts, reasons)):
                if kind == "chat":
                    choices.append(
                        {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": reason}
                    )
                else:
                    choices.append({"index": i, "text": text, "finish_reason": reason})
            first = {
                "id": request_id,
                "object": "chat.completion" if kind == "chat" else "text_completion",
                "created": int(time.time()),
            }
        for c in choices:
            # OpenAI semantics: the answer ends before the stop string (transformers keeps it).
            key = "message" if kind == "chat" else None
            text = c["message"]["content"] if key else c["text"]
            cut = min((text.find(st) for st in stops if st and st in (text or "")), default=-1)
            if text and cut >= 0:
                if key:
                    c["message"]["content"] = text[:cut]
                else:
                    c["text"] = text[:cut]
                c["finish_reason"] = "stop"
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if want_lp:
            model, tokenizer = loaded()
            if kind == "chat":
                prompt_ids = tokenizer.apply_chat_template(body["messages"], add_generation_prompt=True, tokenize=True)
                if isinstance(prompt_ids, dict) or hasattr(prompt_ids, "keys"):
                    prompt_ids = prompt_ids["input_ids"]
            else:
                prompt_ids = tokenizer(body["prompt"], add_special_tokens=False)["input_ids"]
            for c in choices:
                text = c["message"]["content"] if kind == "chat" else c["text"]
                entries = await asyncio.to_thread(_logprobs, model, tokenizer, list(prompt_ids), text or "", top)
                if kind == "chat":
                    c["logprobs"] = {"content": entries}
                else:
                    offsets, at = [], 0
                    for e in entries:
                        offsets.append(at)
                        at += len(e["token"])
                    c["logprobs"] = {
                        "tokens": [e["token"] for e in entries],
                        "token_logprobs": [e["logprob"] for e in entries],
                        "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in entries],
                        "text_offset": offsets,
                    }
        out = {**(first or {}), "model": served_name, "choices": choices, "usage": usage}
        return JSONResponse(out)

    async def chat_route(request: Any) -> Any:
        return await handle(request, "chat")

    async def completion_route(request: Any) -> Any:
        return await handle(request, "completions")

    async def models_route(_request: Any) -> Any:
        return JSONResponse(
            {"object": "list", "data": [{"id": served_name, "object": "model", "owned_by": "rtlgym", "root": model_dir}]}
        )

    mine = {
        "/v1/chat/completions": Route("/v1/chat/completions", chat_route, methods=["POST"]),
        "/v1/completions": Route("/v1/completions", completion_route, methods=["POST"]),
        "/v1/models": Route("/v1/models", models_route, methods=["GET"]),
    }
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in mine] + list(
        mine.values()
    )
    return app, manager


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    a = _parse(argv)
    model_dir = str(Path(a.model).resolve())
    if not (Path(model_dir) / "config.json").is_file():
        print(json.dumps({"event": "error", "kind": "bad_input", "message": f"{a.model}: not a model directory"}))
        return 2
    import torch
    import uvicorn
    import transformers

    transformers.logging.set_verbosity_error()
    if a.threads:
        torch.set_num_threads(a.threads)
    name = a.name or Path(model_dir).name
    app, manager = build_app(model_dir, name, a.device, a.max_n)
    # Load before listening, so "listening" means ready.
    manager.load_model_and_processor(manager.process_model_name(model_dir))
    config = uvicorn.Config(app, host=a.host, port=a.port, log_level="warning")
    server = uvicorn.Server(config)

    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((a.host, a.port))
    port = sock.getsockname()[1]

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(json.dumps({"event": "listening", "host": a.host, "port": port, "model": name}), flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run(sockets=[sock])
    sys.stdout.flush()
    return 0
