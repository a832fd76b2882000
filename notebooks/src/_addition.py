"""Code cells that notebooks 10 (a GPT you can read) and 11 (LSTM vs GPT) share: the imports, the
two-digit addition task, the GPT of Karpathy's lecture, and the training loop. Each notebook holds
its own copy of the code (a notebook must run alone); this module keeps the copies equal."""

IMPORTS = """
%matplotlib inline
%config InlineBackend.figure_formats = ["png"]
import time

import numpy as np
import matplotlib.pyplot as plt
from tqdm import tqdm          # the text progress bar (it stays readable in the saved notebook)

import autograd as ag
import nn
import nn.functional as F
import optim

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
"""

DATA = """
NUMBER_DIGITS = 2                          # a and b are two-digit numbers, 00 to 99
PROMPT = 2 * NUMBER_DIGITS                 # the tokens the model is given: a's digits, then b's
ANSWER = NUMBER_DIGITS + 1                 # the tokens it must write: the sum's digits, least significant first
vocab_size = 10                            # a token is a digit
block_size = PROMPT + ANSWER - 1           # the longest input: the last answer digit is never read

def digits_of(numbers, count):
    \"\"\"(N,) integers -> (N, count) digits, most significant first.\"\"\"
    return np.stack([numbers // 10**k % 10 for k in reversed(range(count))], axis=1)

def encode(a, b):
    \"\"\"The token sequences of the problems a + b: a's digits, b's digits, the sum's digits reversed.\"\"\"
    return np.concatenate([digits_of(a, NUMBER_DIGITS), digits_of(b, NUMBER_DIGITS),
                           digits_of(a + b, ANSWER)[:, ::-1]], axis=1)

def show(sequence):
    \"\"\"One token sequence as the sum it states, e.g. [4, 7, 3, 8, 5, 8, 0] -> '47 + 38 = 85'.\"\"\"
    a, b = (int("".join(map(str, sequence[i:i + NUMBER_DIGITS]))) for i in (0, NUMBER_DIGITS))
    return f"{a:2d} + {b:2d} = {int(''.join(map(str, sequence[PROMPT:][::-1])))}"

rng = np.random.default_rng(0)
a, b = np.divmod(rng.permutation(10**(2 * NUMBER_DIGITS)), 10**NUMBER_DIGITS)   # all 10,000 problems, shuffled
problems = encode(a, b)
test_problems, train_problems = problems[:1000], problems[1000:]                 # 1,000 never seen in training

def get_batch(batch_size, generator):
    \"\"\"Inputs and next-token targets; the prompt's digits are random, so they are not targets (-1).\"\"\"
    rows = train_problems[generator.integers(0, len(train_problems), batch_size)]
    x, y = rows[:, :-1], rows[:, 1:].copy()
    y[:, :PROMPT - 1] = -1
    return ag.tensor(x), ag.tensor(y)
"""

HEAD = """
class Head(nn.Module):
    \"\"\"One head of causal self-attention.\"\"\"

    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("tril", ag.tril(ag.ones(block_size, block_size)))

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)                                                 # (B, T, head_size)
        q = self.query(x)                                               # (B, T, head_size)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5             # (B, T, T): affinities
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))   # a token never sees the future
        wei = F.softmax(wei, dim=-1)                                    # each row: weights summing to 1
        self.attention = wei.detach()                                   # kept for plotting
        v = self.value(x)                                               # (B, T, head_size)
        return wei @ v                                                  # (B, T, head_size)
"""

MULTI_HEAD = """
class MultiHeadAttention(nn.Module):
    \"\"\"Several heads side by side; their outputs concatenated, then projected.\"\"\"

    def __init__(self, num_heads, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
        self.proj = nn.Linear(head_size * num_heads, n_embd)

    def forward(self, x):
        return self.proj(ag.cat([h(x) for h in self.heads], dim=-1))

class FeedFoward(nn.Module):
    \"\"\"A linear layer, a non-linearity, a linear layer: applied to each token on its own.\"\"\"

    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        return self.net(x)
"""

BLOCK = """
class Block(nn.Module):
    \"\"\"Transformer block: communication (attention), then computation (MLP), each on a residual path.\"\"\"

    def __init__(self, n_embd, n_head):
        super().__init__()
        self.sa = MultiHeadAttention(n_head, n_embd // n_head)
        self.ffwd = FeedFoward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x
"""

GPT = """
class GPT(nn.Module):

    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        tok_emb = self.token_embedding_table(idx)                       # (B, T, n_embd)
        pos_emb = self.position_embedding_table(ag.arange(T))           # (T, n_embd)
        x = tok_emb + pos_emb                                           # (B, T, n_embd)
        x = self.blocks(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)                                        # (B, T, vocab_size)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(B * T, vocab_size), targets.view(B * T), ignore_index=-1)
        return logits, loss
"""

GENERATE = """
@ag.no_grad()
def generate(model, idx, max_new_tokens):
    \"\"\"Appends max_new_tokens tokens to each row of idx (B, T), each the model's most likely next one.\"\"\"
    model.eval()
    for _ in range(max_new_tokens):
        logits, _ = model(idx[:, -block_size:])
        idx_next = logits[:, -1, :].argmax(dim=-1, keepdim=True)        # (B, 1): greedy, no sampling
        idx = ag.cat([idx, idx_next], dim=1)
    model.train()
    return idx

def exact_match(model, problems):
    \"\"\"The fraction of problems whose whole answer (all ANSWER digits) the model writes correctly.\"\"\"
    written = generate(model, ag.tensor(problems[:, :PROMPT]), ANSWER).numpy()
    return float(np.mean(np.all(written[:, PROMPT:] == problems[:, PROMPT:], axis=1)))
"""

TRAIN = """
def train(model, max_iters, name, batch_size=64, learning_rate=3e-3, eval_interval=100, seed=0):
    \"\"\"The lecture's loop, with AdamW and a cosine learning-rate decay; returns the loss at every step,
    the held-out exact-match accuracy every eval_interval steps, and the seconds spent in training
    steps (evaluations excluded).\"\"\"
    optimizer = optim.AdamW(model.parameters(), lr=learning_rate)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max_iters)
    batches = np.random.default_rng(seed)                               # the same batches for every model
    history = {"loss": [], "eval step": [], "accuracy": [], "seconds": 0.0}
    bar = tqdm(range(max_iters), desc=name, mininterval=5)

    def evaluate(step):
        history["eval step"].append(step)
        history["accuracy"].append(exact_match(model, test_problems))
        bar.set_postfix(loss=f"{np.mean(history['loss'][-eval_interval:] or [np.nan]):.4f}",
                        held_out=f"{history['accuracy'][-1]:.3f}", refresh=False)

    for step in bar:
        if step % eval_interval == 0:
            evaluate(step)
        started = time.perf_counter()
        xb, yb = get_batch(batch_size, batches)
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        history["loss"].append(loss.item())
        history["seconds"] += time.perf_counter() - started
    evaluate(max_iters)
    bar.refresh()
    return history
"""
