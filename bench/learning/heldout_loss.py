"""The answer's mean next-token loss of a model on an SFT file: a cheap proxy for pass@1 when comparing short runs
(batch-proxy.sh). Usage: python heldout_loss.py MODEL_DIR SFT.jsonl [THREADS]; prints one JSON line."""

import json
import sys
from pathlib import Path

import torch
from rtlgym_train.data import IGNORE_INDEX, encode, read_jsonl
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging


def main(model_dir: str, sft_file: str, threads: int) -> None:
    torch.set_num_threads(threads)
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    total, tokens, skipped = 0.0, 0, 0
    with torch.no_grad():
        for pair in read_jsonl(Path(sft_file)):
            example = encode(tokenizer, pair, model.config.max_position_embeddings)
            if example is None:
                skipped += 1
                continue
            labels = torch.tensor([example.labels])
            loss = model(input_ids=torch.tensor([example.input_ids]), labels=labels).loss
            # The model's loss is a mean over the answer's shifted targets: weigh it by their count.
            n = int((labels[:, 1:] != IGNORE_INDEX).sum())
            total, tokens = total + float(loss) * n, tokens + n
    print(json.dumps({"model": model_dir, "data": sft_file, "answer_loss": round(total / tokens, 4),
                      "answer_tokens": tokens, "skipped_too_long": skipped}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2)
