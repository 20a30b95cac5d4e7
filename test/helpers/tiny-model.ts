import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Problem } from "../../src/contracts/bench.js";
import { findPython } from "../../src/train/python.js";
import { ROOT, rtlgymStdout } from "./cli.js";

/** Python: a 1-layer Llama with a character vocabulary (printable ASCII and newline), saved as a causal LM directory (argv[1]). */
export const TINY = `
import sys, torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
chars = ["<pad>", "<eos>", "\\n"] + [chr(c) for c in range(32, 127)]
vocab = {c: i for i, c in enumerate(chars)}
tk = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
tk.pre_tokenizer = pre_tokenizers.Split("", "isolated")
tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>")
cfg = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                  num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
                  pad_token_id=0, eos_token_id=1, bos_token_id=None)
torch.manual_seed(0)
LlamaForCausalLM(cfg).save_pretrained(sys.argv[1])
tok.save_pretrained(sys.argv[1])
`;

/**
 * Python: a 1-layer Llama with a small BPE tokenizer trained (with the ChatML template, as `rtlgym train sft` makes)
 * on the chosen and rejected answers of a salv-pairs file (argv[1]), saved to argv[2]: a chat model for the recipe
 * smoke tests, untrained, so it writes noise quickly.
 */
const TINY_CHAT = `
import json, sys
from transformers import LlamaConfig, LlamaForCausalLM
from rtlgym_train.data import Pair
from rtlgym_train.tokenizer import train_tokenizer
rows = [json.loads(l) for l in open(sys.argv[1])]
pairs = [Pair(r["prompt"], None, r[s][0]["content"]) for r in rows for s in ("chosen", "rejected")]
tok = train_tokenizer(pairs * 3, 400)
cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                  num_key_value_heads=2, max_position_embeddings=2048, tie_word_embeddings=True,
                  eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None)
LlamaForCausalLM(cfg).save_pretrained(sys.argv[2])
tok.save_pretrained(sys.argv[2])
`;

/** Real salv-pairs output: the tiny chat model's tokenizer text, and the SALV smoke test's pairs. */
export const SALV_PAIRS = join(ROOT, "adapters", "python", "tests", "fixtures", "salv_pairs.jsonl");

/**
 * A new temp folder with what a recipe smoke test starts from: `model/` (TINY_CHAT) and `tasks/` (10 train and 2
 * held-out tasks of the mux family). The caller removes it.
 */
export async function recipeFixture(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await promisify(execFile)(findPython(), ["-c", TINY_CHAT, SALV_PAIRS, join(dir, "model")], {
    cwd: ROOT,
    timeout: 120_000,
  });
  await rtlgymStdout(
    ["tasks", "generate", "--out", join(dir, "tasks"), "--train", "10", "--heldout", "2", "--families", "mux"],
    { cwd: ROOT, timeoutMs: 120_000 },
  );
  return dir;
}

/** `rtlgym train RECIPE --config DIR/RECIPE.yaml --json` in a recipeFixture folder (its own run store): the summary. */
export async function runRecipe<T>(dir: string, recipe: string): Promise<T> {
  const stdout = await rtlgymStdout(["train", recipe, "--config", join(dir, `${recipe}.yaml`), "--json", "--quiet"], {
    cwd: ROOT,
    timeoutMs: 400_000,
    env: { RTLGYM_HOME: join(dir, "home") },
  });
  return JSON.parse(stdout) as T;
}

/** The header of the two-output problems the search tests use. */
export const H2 = "module TopModule (\n  input a,\n  input b,\n  output y,\n  output z\n);";

/** A two-output combinational problem: y and z as expressions of a and b. */
export const twoOutputTask = (id: string, y: string, z: string): Problem => ({
  suite: "tasks",
  id,
  task: "spec-to-rtl",
  prompt: `Problem ${id}: y = ${y}, z = ${z}.`,
  header: H2,
  reference: `${H2}\n  assign y = ${y};\n  assign z = ${z};\nendmodule\n`,
  refTop: "TopModule",
  candTop: "TopModule",
  tags: [],
});
