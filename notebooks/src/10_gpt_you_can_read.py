"""Builds notebooks/10_gpt_you_can_read.ipynb: the GPT of Karpathy's lecture, written out, learning
two-digit addition on the CPU.

    python notebooks/src/10_gpt_you_can_read.py
    python scripts/execute_notebooks.py notebooks/10_gpt_you_can_read.ipynb
"""
from _addition import BLOCK, DATA, GENERATE, GPT, HEAD, IMPORTS, MULTI_HEAD, TRAIN
from _build import code, md, write

NAME = "10_gpt_you_can_read"


md(r"""
# 10 · A GPT you can read

The transformer of Andrej Karpathy's lecture *Let's build GPT: from scratch, in code, spelled out*
(and of nanoGPT), written out class by class and trained on graphgrad, on the CPU, in well under a
minute. The code is the lecture's, with `torch` replaced by graphgrad's `autograd`, `nn` and `optim`:

* token and position embeddings,
* blocks of causal self-attention (each head written out with `masked_fill` and `softmax`) and an
  MLP, each behind a `LayerNorm` and on a residual path,
* a final `LayerNorm` and a linear layer to the next token's scores, cross-entropy, `AdamW`.

Instead of Shakespeare the model learns a task made up here, so no data ships: **two-digit
addition**, as in minGPT's demo. A problem is 7 tokens, each a digit: `4 7 3 8 5 8 0` reads
47 + 38 = 085, the sum written *least significant digit first* (minGPT does the same): the model
then writes the sum the way we add by hand, the units and their carry first. It is shown the
first four digits and must write the other three; we measure the fraction of the 1,000 held-out
problems (never seen in training) whose three digits are all right.
""")

code(IMPORTS)

md(r"""
## The task

All 10,000 problems $a + b$ with $0 \le a, b \le 99$, shuffled; 1,000 are held out. A training
batch is the lecture's `get_batch`: inputs `x` are the first six tokens, targets `y` the same
sequence shifted left by one, so position $t$ learns to predict token $t+1$. The model is not
asked to predict the digits of $a$ and $b$ (they are random): those targets are $-1$, which
`cross_entropy(..., ignore_index=-1)` skips. So the loss counts exactly the three answer digits.
""")

code(DATA + """
print(f"{len(train_problems)} training problems, {len(test_problems)} held out; block_size {block_size}")
for sequence in test_problems[:3]:
    print(sequence, "reads", show(sequence))
xb, yb = get_batch(4, np.random.default_rng(0))
print("inputs x\\n", xb.numpy(), "\\ntargets y (-1: not a target)\\n", yb.numpy())
assert set(np.unique(yb.numpy())) <= set(range(-1, 10)) and (yb.numpy()[:, :PROMPT - 1] == -1).all()
""")

md(r"""
## The model, as the lecture writes it

The lecture's hyperparameters, scaled to the task: the lecture's GPT has `n_embd=384`, `n_head=6`,
`n_layer=6`, `block_size=256` and 10.8 M parameters; ours has about 0.1 M. The lecture's dropout
is left out: a model this small on a task this regular does not overfit.
""")

code("""
n_embd = 64       # the width of every token's vector
n_head = 4        # heads per attention layer, each of n_embd // n_head = 16 features
n_layer = 2       # blocks
""")

md(r"""
**One head of self-attention.** Each token emits a *query* (what am I looking for?) and a *key*
(what do I contain?); the dot products of queries with keys, scaled by $1/\sqrt{\text{head size}}$,
are the affinities between tokens. `masked_fill` sets the affinities to future tokens to
$-\infty$, so after the `softmax` they weigh 0: the lower-triangular buffer `tril` is the causal
mask. Each token's output is the weighted average of the tokens' *values*.
""")

code(HEAD)

md(r"""
**Multi-head attention** runs a few heads in parallel and projects their concatenated outputs back
to `n_embd`; the **feed-forward** network then computes on each token on its own (the lecture's
class name, `FeedFoward`, kept).
""")

code(MULTI_HEAD)

md(r"""
**A block**: attention ("communication") then the MLP ("computation"), each added to a residual
stream `x`, each reading a `LayerNorm`-ed copy of it (the pre-norm arrangement of GPT-2 and the
lecture).
""")

code(BLOCK)

md(r"""
**The GPT**: each token's vector is its token embedding plus its position's embedding; then the
blocks, a last `LayerNorm` and the linear map to one score per possible next token (the logits).
With targets, `forward` also returns the cross-entropy.
""")

code(GPT + """
ag.manual_seed(0)
model = GPT()
n_params = sum(p.numel() for p in model.parameters())
print(model.blocks[0])
print(f"{n_params:,} parameters")
""")

md(r"""
### The hand-written head is PyTorch's attention

The head above is the textbook formula, which `nn.functional.scaled_dot_product_attention`
computes in one call (`is_causal=True` applies the same triangular mask); `nn.MultiheadAttention`
does all heads at once, with the queries, keys and values of every head in one packed
`in_proj_weight` (`3 * n_embd` rows: all heads' queries, then keys, then values). Copying our
heads' weights into it gives the same output, so the readable version and the library layer are
the same model.
""")

code("""
x = ag.randn(3, block_size, n_embd)
attention = model.blocks[0].sa
head = attention.heads[0]
library = nn.MultiheadAttention(n_embd, n_head, batch_first=True)
causal = nn.Transformer.generate_square_subsequent_mask(block_size)   # -inf above the diagonal
with ag.no_grad():
    np.testing.assert_allclose(
        head(x).numpy(),
        F.scaled_dot_product_attention(head.query(x), head.key(x), head.value(x), is_causal=True).numpy(),
        rtol=1e-5, atol=1e-6)

    library.in_proj_weight.copy_(ag.cat([h.query.weight for h in attention.heads]
                                        + [h.key.weight for h in attention.heads]
                                        + [h.value.weight for h in attention.heads]))
    library.in_proj_bias.zero_()
    library.out_proj.weight.copy_(attention.proj.weight)
    library.out_proj.bias.copy_(attention.proj.bias)
    output, _ = library(x, x, x, attn_mask=causal, need_weights=False)
    np.testing.assert_allclose(attention(x).numpy(), output.numpy(), rtol=1e-5, atol=1e-6)
print("hand-written heads == F.scaled_dot_product_attention == nn.MultiheadAttention")
""")

md(r"""
## Training

The lecture's loop: a random batch, the loss, `zero_grad`, `backward`, an `AdamW` step; 1,000
steps of 64 problems. The learning rate, 3e-3, decays to 0 on a cosine (`CosineAnnealingLR`, as
nanoGPT decays its own): at a constant 3e-3 the loss of this small model tends to jump back up
once it is low. Every 100 steps the held-out accuracy is measured by letting the model *write*
the answers: `generate` appends the most likely next token three times (the lecture samples
from the softmax instead; for sums we want the single best answer).
""")

code(GENERATE + TRAIN + """
max_iters = 1000
history = train(model, max_iters, "GPT")
print(f"{max_iters} steps in {history['seconds']:.1f} s ({1e3 * history['seconds'] / max_iters:.1f} ms a step)")
""")

code("""
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
steps = np.arange(1, max_iters + 1)
smooth = np.convolve(history["loss"], np.ones(20) / 20, mode="valid")
left.semilogy(steps, history["loss"], alpha=0.3, label="each batch")
left.semilogy(steps[19:], smooth, label="mean of 20")
left.set(title="training loss", xlabel="step", ylabel="cross-entropy per answer digit (log)")
left.legend()
right.plot(history["eval step"], 100 * np.array(history["accuracy"]), marker=".")
right.set(title="held-out problems solved exactly", xlabel="step", ylabel="exact match (%)", ylim=(-2, 102))
for ax in (left, right):
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()

accuracy = exact_match(model, test_problems)
print(f"held-out exact match: {accuracy:.1%} of {len(test_problems)} problems; "
      f"training set: {exact_match(model, train_problems):.1%}")
assert accuracy >= 0.99
assert np.mean(history["loss"][-50:]) < 0.01 * history["loss"][0]
""")

md(r"""
## A few solved problems

The model is given the first four tokens and writes the other three. Below, held-out problems
with and without carries, and their answers as the model wrote them.
""")

code("""
examples = test_problems[:10]
written = generate(model, ag.tensor(examples[:, :PROMPT]), ANSWER).numpy()
for problem, answer in zip(examples, written):
    verdict = "right" if (answer == problem).all() else f"wrong (true: {show(problem)})"
    print(f"tokens {' '.join(map(str, answer[:PROMPT]))} -> {' '.join(map(str, answer[PROMPT:]))}:   "
          f"{show(answer)}   {verdict}")
""")

md(r"""
## What one head looks at

Each head kept its last attention matrix: row $t$ holds the weights with which the token at
position $t$ averages the positions $\le t$. Take one problem, 47 + 38, with a carry. The model
reads `4 7 3 8 5 8`. At the position of `8` (b₀, b's units digit) it must predict the sum's units
digit, 5, which needs both units digits, 7 and 8; the token is itself at that position, so some
head must fetch a₀ = 7 there. At the next position (`5`, s₀) it writes the tens digit 8 = 4 + 3 +
carry, which needs both tens digits and whether 7 + 8 carried. Each panel is one head; below the
panels, the head that carries a₀ to b₀ most strongly is named.
""")

code("""
example = encode(np.array([47]), np.array([38]))
with ag.no_grad():
    logits, _ = model(ag.tensor(example[:, :-1]))
assert show(example[0]) == "47 + 38 = 85" and (logits.numpy()[0, PROMPT - 1:].argmax(-1) == example[0, PROMPT:]).all()
tokens = [str(t) for t in example[0, :-1]]
roles = ["a₁", "a₀", "b₁", "b₀", "s₀", "s₁"]            # a = a₁a₀, b = b₁b₀, sum = s₂s₁s₀
labels = [f"{t} ({r})" for t, r in zip(tokens, roles)]
weights = np.array([[head.attention.numpy()[0] for head in block.sa.heads] for block in model.blocks])  # (layer, head, T, T)

fig, axes = plt.subplots(n_layer, n_head, figsize=(11, 5.6))
for b, row in enumerate(axes):
    for h, ax in enumerate(row):
        ax.imshow(weights[b, h], cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(tokens)), labels, fontsize=7, rotation=90)
        ax.set_yticks(range(len(tokens)), labels, fontsize=7)
        ax.set_title(f"block {b}, head {h}", fontsize=9)
fig.suptitle("attention weights for 47 + 38: row = the token looking, column = the token looked at", fontsize=10)
plt.tight_layout()
plt.show()

np.testing.assert_allclose(weights.sum(axis=-1), 1, rtol=1e-5)            # each row is an average ...
assert (np.triu(weights, k=1) == 0).all()                                   # ... of the past only
b, h = np.unravel_index(weights[:, :, 3, 1].argmax(), weights.shape[:2])
print(f"block {b}, head {h}: at b₀ the model looks at a₀ with weight {weights[b, h, 3, 1]:.2f}")
assert weights[b, h, 3, 1] > 0.5     # one head brings the other units digit to where the sum's units digit is written
""")

md(r"""
## The graph of one block

`ag.draw(output, params=block, collapse=True)` draws the computation graph of one block's forward
pass on one problem (47 + 38), with each module that owns parameters as one rounded box: the
twelve key, query and value layers, the heads' output projection, the two MLP layers and the two
`LayerNorm`s. Between them, as circles, the operators that belong to no parameter: in each head
the product of queries and keys, the scaling by $1/\sqrt{16}$, the `masked_fill` (drawn as the
`where` it is) with the causal mask (the grey 6×6 box), the softmax and the product with the
values; then the concatenation of the heads and the two residual additions. A `LayerNorm`'s box
holds only its weight and bias: the normalisation before them (the mean, the variance,
$1/\sqrt{\cdot}$) has no parameter, so it is drawn as operators above the box. The `reshape`s
around each `Linear` flatten the (1, 6, 64) batch into 6 rows and back.
""")

code("""
block = model.blocks[0]
x = model.token_embedding_table(ag.tensor(example[:, :-1])) + model.position_embedding_table(ag.arange(block_size))
ag.draw(block(x), params=block, collapse=True, label="block output", rankdir="TB")
""")

md(r"""
## Summary

| | |
|---|---|
| task | two-digit addition, answer least significant digit first; 9,000 training / 1,000 held-out problems |
| model | the lecture's GPT: `n_embd=64`, `n_head=4`, `n_layer=2`, `block_size=6`, about 0.1 M parameters |
| training | 1,000 AdamW steps of 64 problems, learning rate 3e-3, on the CPU |
| held-out exact match (asserted) | ≥ 99 % |

Notebook 11 trains an LSTM of the same size on the same problems with the same budget.
""")

write(NAME)
