"""W8: one training step of a small GPT (nanoGPT's architecture: 4 blocks, 4 heads, d_model 128,
context 64, vocabulary 65) on a batch of 32 sequences, float32: next-token cross-entropy, AdamW.
The same model code runs on graphgrad and on PyTorch (the `lib, nn, F` parameters), from identical
weights and data, with causal attention in two spellings: written out as in Karpathy's lecture
(q @ k^T, masked_fill, softmax, @ v) and as one F.scaled_dot_product_attention(is_causal=True)."""
import gc

import numpy as np

from bench.common import check_agreement, interleaved, load_parameters, optional_torch, parameter_arrays, ratio, report

BATCH, CONTEXT, VOCAB, D_MODEL, HEADS, LAYERS = 32, 64, 65, 128, 4, 4
LR = 1e-3


def gpt(lib, nn, F, fused_attention):
    """A GPT built from `lib`'s modules; q, k, v come from one Linear without bias (the lecture's
    heads have none), so no parameter has a gradient that is zero only up to rounding (AdamW
    would turn such noise into a full-size step and the contenders could not be compared)."""

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL, bias=False)
            self.proj = nn.Linear(D_MODEL, D_MODEL)
            self.register_buffer("tril", lib.tril(lib.ones(CONTEXT, CONTEXT)))

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(D_MODEL, dim=2)
            q, k, v = (t.view(B, T, HEADS, C // HEADS).transpose(1, 2) for t in (q, k, v))  # (B, heads, T, head)
            if fused_attention:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                wei = q @ k.transpose(-2, -1) * (C // HEADS) ** -0.5
                wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
                y = F.softmax(wei, dim=-1) @ v
            return self.proj(y.transpose(1, 2).reshape(B, T, C))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.attn = nn.LayerNorm(D_MODEL), CausalSelfAttention()
            self.ln2 = nn.LayerNorm(D_MODEL)
            self.mlp = nn.Sequential(nn.Linear(D_MODEL, 4 * D_MODEL), nn.ReLU(), nn.Linear(4 * D_MODEL, D_MODEL))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(VOCAB, D_MODEL), nn.Embedding(CONTEXT, D_MODEL)
            self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
            self.ln_f, self.head = nn.LayerNorm(D_MODEL), nn.Linear(D_MODEL, VOCAB)

        def forward(self, idx, targets):
            B, T = idx.shape
            x = self.tok(idx) + self.pos(lib.arange(T))
            logits = self.head(self.ln_f(self.blocks(x)))
            return F.cross_entropy(logits.view(B * T, VOCAB), targets.view(B * T))

    return GPT()


def problem(seed=0):
    """Token ids and next-token targets (B, T), and the initial weights (graphgrad's default
    initialisation, which is PyTorch's) in the model's parameter order."""
    import autograd as ag
    import nn
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, VOCAB, (BATCH, CONTEXT + 1))
    ag.manual_seed(seed)
    weights = parameter_arrays(gpt(ag, nn, nn.functional, fused_attention=False))
    return tokens[:, :-1].copy(), tokens[:, 1:].copy(), weights


def module_step(lib, nn, F, optim, idx, targets, weights, fused_attention=False):
    model = gpt(lib, nn, F, fused_attention)
    load_parameters(lib, model, weights)
    optimizer = optim.AdamW(model.parameters(), lr=LR)
    inputs, labels = lib.from_numpy(idx), lib.from_numpy(targets)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(inputs, labels)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: [p.grad.numpy().copy() for p in model.parameters()]


def contenders(idx, targets, weights):
    import autograd as ag
    import nn
    import optim
    libraries = {"graphgrad": (ag, nn, nn.functional, optim)}
    torch = optional_torch()
    if torch is not None:
        libraries["PyTorch"] = (torch, torch.nn, torch.nn.functional, torch.optim)
    return {f"{name}{' SDPA' if fused else ''}": module_step(*modules, idx, targets, weights, fused_attention=fused)
            for fused in (False, True) for name, modules in libraries.items()}


def run(repeats=10, inner=1):
    idx, targets, weights = problem()
    steps = contenders(idx, targets, weights)
    # Compared after the first step: the loss, every parameter's gradient (not the parameters: in
    # float32 a few of the 0.8 M gradient entries are rounding noise around 0, and AdamW's first
    # step, lr * g / (|g| + eps), turns the noise's sign into a full +-lr step), then the second loss.
    # The gradients are at most 0.02; a ReLU input within rounding of 0 on one side in one library
    # and on the other in the other moves a few entries by ~1e-5.
    first = check_agreement("W8", steps, "graphgrad", rtol=1e-4, param_atol=1e-4)
    gc.freeze()
    timings = interleaved({name: step for name, (step, _) in steps.items()}, repeats, inner)
    ratios = {"graphgrad / PyTorch (goal <= 1.5)": ratio(timings, "graphgrad", "PyTorch"),
              "graphgrad SDPA / PyTorch SDPA": ratio(timings, "graphgrad SDPA", "PyTorch SDPA"),
              "graphgrad SDPA / graphgrad": ratio(timings, "graphgrad SDPA", "graphgrad")}
    report(f"W8 GPT step, {LAYERS} layers, {HEADS} heads, d_model {D_MODEL}, context {CONTEXT}, batch {BATCH}, "
           f"vocabulary {VOCAB}, AdamW (first loss {first:.6f}, equal across contenders)", timings, ratios)
    return timings, ratios


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
