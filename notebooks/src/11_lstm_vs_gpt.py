"""Builds notebooks/11_lstm_vs_gpt.ipynb: an LSTM and the GPT of notebook 10, of equal size, trained
on the same addition problems with the same budget.

    python notebooks/src/11_lstm_vs_gpt.py
    python scripts/execute_notebooks.py notebooks/11_lstm_vs_gpt.ipynb
"""
from _addition import BLOCK, DATA, GENERATE, GPT, HEAD, IMPORTS, MULTI_HEAD, TRAIN
from _build import code, md, write

NAME = "11_lstm_vs_gpt"


md(r"""
# 11 · An LSTM against the GPT, at equal size

Notebook 10 trained the GPT of Karpathy's lecture to add two-digit numbers. Before transformers,
the model for sequences was the recurrent network, above all the LSTM: it reads one token at a
time and carries what it has read in a state vector. Here an `nn.LSTM` of (almost exactly) the
GPT's parameter count learns the same task, from the same problems, in the same batches, with the
same optimiser, learning rate and number of steps, and we compare the two.

The two see the task differently. The GPT's attention can look back at any earlier digit
directly: to write the units digit of the sum it fetches a's units digit from three positions
back. The LSTM must have kept that digit in its state since it read it, through two more
tokens, and must keep the tens digits there too until it needs them.
""")

code(IMPORTS)

md(r"""
## The task and the GPT, as in notebook 10

The same code: 10,000 problems $a + b$ with the sum's digits least significant first, 1,000 held
out; the lecture's GPT with `n_embd=64`, `n_head=4`, `n_layer=2`.
""")

code(DATA)

code("""
n_embd = 64
n_head = 4
n_layer = 2
""" + HEAD + MULTI_HEAD + BLOCK + GPT)

md(r"""
## The LSTM

Token embeddings (no position embeddings: the recurrence knows the order), one `nn.LSTM` layer
whose output at each position is the hidden state $h_t$, and the same linear map to next-token
scores and the same loss as the GPT, so `generate` and `train` work on it unchanged. An LSTM layer
with input size $e$ and hidden size $h$ has $4h(e + h + 2)$ parameters (the four gates' input and
recurrent weights and two biases each); with $e = 64$ like the GPT, a hidden size of 128 makes
the whole model the GPT's size to within 0.2 %.
""")

code("""
class LSTMModel(nn.Module):

    def __init__(self, n_embd, hidden_size):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.lstm = nn.LSTM(n_embd, hidden_size, batch_first=True)
        self.lm_head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        h, _ = self.lstm(self.token_embedding_table(idx))               # (B, T, hidden_size)
        logits = self.lm_head(h)                                        # (B, T, vocab_size)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(B * T, vocab_size), targets.view(B * T), ignore_index=-1)
        return logits, loss

ag.manual_seed(0)
gpt = GPT()
lstm = LSTMModel(n_embd, hidden_size=128)
lstm_longer = LSTMModel(n_embd, hidden_size=128)
lstm_longer.load_state_dict(lstm.state_dict())      # the same starting point, for a longer run below
sizes = {name: sum(p.numel() for p in model.parameters()) for name, model in (("GPT", gpt), ("LSTM", lstm))}
print(lstm)
for name, size in sizes.items():
    print(f"{name:5} {size:8,} parameters")
assert sizes["LSTM"] == 4 * 128 * (64 + 128 + 2) + vocab_size * 64 + 128 * vocab_size + vocab_size
assert abs(sizes["LSTM"] - sizes["GPT"]) <= 0.1 * sizes["GPT"]
""")

md(r"""
## The same budget for both

`train` is notebook 10's loop: AdamW at a learning rate of 3e-3 decaying on a cosine, 1,000 steps
of 64 problems, the batches drawn from the same seed for both models, the held-out exact-match
accuracy measured every 100 steps by letting the model write the answers.

An LSTM step is cheaper than a GPT step here (no attention, and only 6 tokens to run through), so
the same number of steps is not the same computing time. A third run gives the LSTM 2,000 steps
(the same schedule stretched over them), about the time of the GPT's 1,000 on this machine (the
times are printed below).
""")

code(GENERATE + TRAIN + """
max_iters = 1000
histories = {"GPT": train(gpt, max_iters, "GPT"), "LSTM": train(lstm, max_iters, "LSTM"),
             "LSTM, 2,000 steps": train(lstm_longer, 2 * max_iters, "LSTM, 2,000 steps")}
models = {"GPT": gpt, "LSTM": lstm, "LSTM, 2,000 steps": lstm_longer}
for name, history in histories.items():
    steps = len(history["loss"])
    print(f"{name:17} {steps} steps in {history['seconds']:5.1f} s ({1e3 * history['seconds'] / steps:.1f} ms a step)")
""")

code("""
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for (name, history), color in zip(histories.items(), ("C0", "C3", "C1")):
    steps = np.arange(1, len(history["loss"]) + 1)
    smooth = np.convolve(history["loss"], np.ones(20) / 20, mode="valid")
    axes[0].semilogy(steps, history["loss"], color=color, alpha=0.15)
    axes[0].semilogy(steps[19:], smooth, color=color, label=name)
    accuracy = 100 * np.array(history["accuracy"])
    axes[1].plot(history["eval step"], accuracy, color=color, marker=".", label=name)
    seconds = np.array(history["eval step"]) * history["seconds"] / len(history["loss"])
    axes[2].plot(seconds, accuracy, color=color, marker=".", label=name)
axes[0].set(title="training loss (mean of 20 steps)", xlabel="step", ylabel="cross-entropy per answer digit (log)")
axes[1].set(title="held-out exact match, by step", xlabel="step", ylabel="exact match (%)", ylim=(-2, 102))
axes[2].set(title="held-out exact match, by training time", xlabel="seconds of training (this machine)",
            ylim=(-2, 102))
for ax in axes:
    ax.legend()
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()

accuracy = {name: exact_match(model, test_problems) for name, model in models.items()}
first_90 = {name: next((s for s, a in zip(h["eval step"], h["accuracy"]) if a >= 0.9), None)
            for name, h in histories.items()}
for name in histories:
    print(f"{name:17} held-out exact match {accuracy[name]:6.1%}; first at >= 90 % after {first_90[name]} steps")
assert accuracy["GPT"] >= 0.99
assert accuracy["GPT"] - accuracy["LSTM"] >= 0.1            # at equal steps the GPT is far ahead ...
assert first_90["LSTM"] is None
assert accuracy["LSTM, 2,000 steps"] >= 0.97                # ... and the LSTM gets there with more of them
assert first_90["GPT"] < first_90["LSTM, 2,000 steps"]
""")

md(r"""
## Where the LSTM goes wrong

Split the held-out problems by whether the units digits carry ($a_0 + b_0 \ge 10$), and count the
answers each model gets wrong, and the wrong digits by place ($s_0$ the units digit of the sum,
$s_2$ the hundreds), after the 1,000-step runs and the LSTM's 2,000-step run.
""")

code("""
written = {name: generate(model, ag.tensor(test_problems[:, :PROMPT]), ANSWER).numpy()[:, PROMPT:]
           for name, model in models.items()}
truth = test_problems[:, PROMPT:]
carry = test_problems[:, 1] + test_problems[:, 3] >= 10
print(f"{'':17} {'wrong answers':>14}  {'no carry':>9} {'carry':>6}   wrong digits s₀ s₁ s₂")
for name, answer in written.items():
    wrong = (answer != truth).any(axis=1)
    per_digit = (answer != truth).sum(axis=0)
    print(f"{name:17} {wrong.sum():8} / {len(wrong)}  {wrong[~carry].sum():9} {wrong[carry].sum():6}   "
          f"{'':14}{per_digit[0]:2} {per_digit[1]:2} {per_digit[2]:2}")
    assert wrong.sum() == round((1 - accuracy[name]) * len(test_problems))
lstm_wrong = np.flatnonzero((written["LSTM"] != truth).any(axis=1))
print("\\nsome of the LSTM's mistakes after 1,000 steps:")
for i in lstm_wrong[:6]:
    print(f"  {show(test_problems[i])}, the LSTM wrote {show(np.concatenate([test_problems[i, :PROMPT], written['LSTM'][i]]))}")
""")

md(r"""
## Summary

| | GPT | LSTM |
|---|---|---|
| architecture | 2 blocks of 4-head causal self-attention + MLP, `n_embd=64` | embedding 64, one LSTM layer of 128 |
| parameters | 101,386 | 101,258 |
| training | 1,000 AdamW steps of 64, learning rate 3e-3 on a cosine | the same, the same batches; and 2,000 steps |
| held-out exact match (asserted) | ≥ 99 % | 1,000 steps: at least 10 points below the GPT, never 90 %; 2,000 steps: ≥ 97 % |

At equal parameters, data and steps, attention learns the addition much faster: each answer
digit needs two digits read several positions earlier, which attention fetches directly, while
the LSTM must first learn to hold them in its state. An LSTM step is cheaper here, though (short
sequences, no attention), and given twice the steps, about the GPT's training time on this
machine, the LSTM solves the task too.
""")

write(NAME)
