"""nn.functional's attention: scaled_dot_product_attention and multi_head_attention_forward,
composed from matmul, softmax and dropout (PyTorch's math path), with PyTorch's mask rules.

Masks are additive biases on the scores. A float mask is added as given (a Tensor that requires
grad gets a gradient); a bool mask becomes 0 / -inf. The two functions read bool masks the
opposite way round, as PyTorch does: for scaled_dot_product_attention True means "may attend",
for multi_head_attention_forward (attn_mask and key_padding_mask) True means "masked out".
A query row whose keys are all masked gives zeros from scaled_dot_product_attention (PyTorch's
CPU kernel) and NaN in multi_head_attention_forward's need_weights path (its math path).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import DTypeLike

import autograd as ag

from .affine import linear
from .arguments import shape_of
from .regularization import dropout

Mask = ag.Tensor | np.ndarray


def _as_bias(mask, dtype: DTypeLike, true_means_masked: bool, name: str) -> Mask:
    """A float mask as it is (a NumPy array unless it needs a gradient); a bool mask as 0 / -inf."""
    if isinstance(mask, ag.Tensor) and mask.requires_grad:
        return mask
    values = np.asarray(mask)
    if values.dtype == np.bool_:
        masked = values if true_means_masked else ~values
        return np.where(masked, -np.inf, 0.0).astype(dtype)
    if values.dtype.kind != "f":
        raise TypeError(f"{name}: only bool and floating point masks are supported, got dtype {values.dtype}")
    return values


def _add_bias(a: Mask | None, b: Mask | None) -> Mask | None:
    if a is None or b is None:
        return a if b is None else b
    if isinstance(a, ag.Tensor) or isinstance(b, ag.Tensor):
        return ag.as_tensor(a) + ag.as_tensor(b)
    return a + b


def _attention(q, k, v, bias, dropout_p, scale, zero_empty_rows):
    """softmax(q k^T * scale + bias) v over the last two dims, and the weights.

    With zero_empty_rows, a row that the bias masks entirely gives zero weights (and no NaN in
    the gradient): its bias is made 0 before the softmax and its weights multiplied by 0 after.
    """
    scores = (q * scale) @ k.transpose(-2, -1)
    keep = None
    if bias is not None:
        if zero_empty_rows:
            empty = np.isneginf(np.asarray(bias)).all(axis=-1, keepdims=True)
            if empty.any():
                bias = ag.where(empty, 0.0, bias) if isinstance(bias, ag.Tensor) else np.where(empty, 0.0, bias)
                keep = ag.from_numpy((~empty).astype(scores.dtype))
        scores = scores + (bias if isinstance(bias, ag.Tensor) else ag.from_numpy(np.asarray(bias, dtype=scores.dtype)))
    weights = ag.softmax(scores, -1)
    if keep is not None:
        weights = weights * keep
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ v, weights


def scaled_dot_product_attention(query: ag.Tensor, key: ag.Tensor, value: ag.Tensor, attn_mask: Mask | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> ag.Tensor:
    """softmax(Q K^T / sqrt(E) + mask) V, with dropout on the weights when dropout_p > 0.

    Args:
        attn_mask: broadcastable to (..., L, S); bool (True: may attend) or float (added).
        is_causal: query i attends to keys 0..i (the top-left triangle); needs attn_mask None.
        scale: replaces 1 / sqrt(E). enable_gqa: key and value may have fewer heads (dim -3)
        than query, each shared by a group of query heads.

    Shape: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev).

    Example:
        >>> import autograd as ag
        >>> from nn import functional as F
        >>> F.scaled_dot_product_attention(ag.randn(2, 4, 5, 8), ag.randn(2, 4, 6, 8), ag.randn(2, 4, 6, 3)).shape
        (2, 4, 5, 3)
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(f"scaled_dot_product_attention: query, key and value need at least 2 dims, got "
                         f"{shape_of(query)}, {shape_of(key)} and {shape_of(value)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query {shape_of(query)} and key {shape_of(key)} must share "
                         f"the last dim, key and value {shape_of(value)} the second-to-last")
    length, source = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    bias: Mask | None = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True")
        bias = np.triu(np.full((length, source), -np.inf, dtype=query.dtype), 1)
    elif attn_mask is not None:
        bias = _as_bias(attn_mask, query.dtype, False, "scaled_dot_product_attention")
    if enable_gqa and key.ndim >= 3 and query.shape[-3] != key.shape[-3]:
        if query.shape[-3] % key.shape[-3] or query.shape[-3] % value.shape[-3]:
            raise ValueError(f"scaled_dot_product_attention: with enable_gqa, query's heads ({query.shape[-3]}) must "
                             f"be a multiple of key's ({key.shape[-3]}) and value's ({value.shape[-3]})")
        key = key.repeat_interleave(query.shape[-3] // key.shape[-3], dim=-3)
        value = value.repeat_interleave(query.shape[-3] // value.shape[-3], dim=-3)
    return _attention(query, key, value, bias, dropout_p, scale, zero_empty_rows=True)[0]


def multi_head_attention_forward(
        query: ag.Tensor, key: ag.Tensor, value: ag.Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: ag.Tensor | None, in_proj_bias: ag.Tensor | None, bias_k: ag.Tensor | None,
        bias_v: ag.Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: ag.Tensor,
        out_proj_bias: ag.Tensor | None, training: bool = True, key_padding_mask: Mask | None = None,
        need_weights: bool = True, attn_mask: Mask | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: ag.Tensor | None = None, k_proj_weight: ag.Tensor | None = None,
        v_proj_weight: ag.Tensor | None = None, static_k: ag.Tensor | None = None,
        static_v: ag.Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[ag.Tensor, ag.Tensor | None]:
    """Multi-head attention on sequence-first inputs, as nn.MultiheadAttention computes it.

    Shape: query (L, N, E) or (L, E); key (S, N, Ek), value (S, N, Ev) (or unbatched);
    key_padding_mask (N, S) or (S); attn_mask (L, S) or (N * num_heads, L, S). Returns the
    output (L, N, E) and, with need_weights, the weights (N, L, S) averaged over heads or
    (N, num_heads, L, S) (without the batch dim when unbatched); otherwise None.
    """
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"multi_head_attention_forward: query, key and value must all be 3-D (L, N, E) or all 2-D "
                         f"(L, E), got {shape_of(query)}, {shape_of(key)} and {shape_of(value)}")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = np.asarray(key_padding_mask)[None] if not isinstance(key_padding_mask, ag.Tensor) \
                else key_padding_mask.unsqueeze(0)
    length, batch, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise ValueError(f"multi_head_attention_forward: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise ValueError(f"multi_head_attention_forward: embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise ValueError(f"multi_head_attention_forward: key's sequence and batch dims {shape_of(key)[:2]} do not "
                         f"match value's {shape_of(value)[:2]}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    dtype = query.dtype
    if key_padding_mask is not None and attn_mask is not None and \
            np.asarray(key_padding_mask).dtype.kind != np.asarray(attn_mask).dtype.kind:
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
                      "instead.", stacklevel=2)
    padding = None if key_padding_mask is None else _as_bias(key_padding_mask, dtype, True, "key_padding_mask")
    mask = None if attn_mask is None else _as_bias(attn_mask, dtype, True, "attn_mask")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise ValueError("multi_head_attention_forward: in_proj_weight is None (pass use_separate_proj_weight=True "
                             "with q_, k_ and v_proj_weight instead)")
        q_proj_weight, k_proj_weight, v_proj_weight = in_proj_weight.chunk(3)
    if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
        raise ValueError("multi_head_attention_forward: use_separate_proj_weight needs q_, k_ and v_proj_weight")
    b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    if in_proj_weight is not None and not use_separate_proj_weight and query is key and key is value:
        q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)  # self-attention: one matmul
    else:
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)

    source = key.shape[0]
    if mask is not None:
        expected = [(length, source), (batch * num_heads, length, source)]
        if tuple(np.shape(mask)) not in expected:
            raise RuntimeError(f"multi_head_attention_forward: attn_mask has shape {tuple(np.shape(mask))}, but should "
                               f"be {expected[0]} or {expected[1]}")
    if (bias_k is None) != (bias_v is None):
        raise ValueError("multi_head_attention_forward: bias_k and bias_v must be given together")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise ValueError("multi_head_attention_forward: bias cannot be added to a static key or value")
        k = ag.cat([k, bias_k.expand(1, batch, embed_dim)])
        v = ag.cat([v, bias_v.expand(1, batch, embed_dim)])
        mask, padding = _pad_last(mask), _pad_last(padding)

    def heads(x):  # (S, N, E) -> (N, H, S, D)
        return x.reshape(x.shape[0], batch, num_heads, head_dim).permute(1, 2, 0, 3)

    q = heads(q)
    k = heads(k) if static_k is None else static_k.reshape(batch, num_heads, -1, head_dim)
    v = heads(v) if static_v is None else static_v.reshape(batch, num_heads, -1, head_dim)
    if add_zero_attn:
        zeros = ag.zeros(batch, num_heads, 1, head_dim, dtype=dtype)
        k, v = ag.cat([k, zeros], dim=2), ag.cat([v, zeros], dim=2)
        mask, padding = _pad_last(mask), _pad_last(padding)
    source = k.shape[2]
    if mask is not None and np.ndim(mask) == 3:
        mask = mask.reshape(batch, num_heads, length, source)
    if padding is not None:
        if tuple(np.shape(padding)) != (batch, source):
            raise RuntimeError(f"multi_head_attention_forward: expected key_padding_mask of shape {(batch, source)}, "
                               f"got {tuple(np.shape(padding))}")
        padding = padding.reshape(batch, 1, 1, source)
    output, attention = _attention(q, k, v, _add_bias(mask, padding), dropout_p if training else 0.0,
                                   1.0 / math.sqrt(head_dim), zero_empty_rows=not need_weights)
    output = linear(output.permute(2, 0, 1, 3).reshape(length, batch, embed_dim), out_proj_weight, out_proj_bias)
    if not batched:
        output = output.squeeze(1)
    if not need_weights:
        return output, None
    if average_attn_weights:
        attention = attention.mean(dim=1)
    return output, (attention if batched else attention.squeeze(0))


def _pad_last(mask: Mask | None) -> Mask | None:
    """One more key that no query is kept from (a 0 bias column), for bias_k or add_zero_attn."""
    if mask is None:
        return None
    if isinstance(mask, ag.Tensor):
        return ag.pad(mask, (0, 1))
    return np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])
