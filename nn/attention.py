"""MultiheadAttention: the projections' weights under PyTorch's names, shapes and initialisation
(so a state_dict loads across); the math is nn.functional.multi_head_attention_forward."""
from __future__ import annotations

from numpy.typing import DTypeLike

import autograd as ag

from . import init
from .functional import attention as A
from .linear import Linear
from .module import Module, Parameter, factory_dtype


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear, under the name PyTorch gives MultiheadAttention's out_proj (so reprs match)."""


class MultiheadAttention(Module):
    """Attention from a query sequence to a key/value sequence, in num_heads heads of
    embed_dim // num_heads features each, then one output projection.

    Args:
        embed_dim: the query's (and output's) features; num_heads: heads (must divide embed_dim).
        dropout: on the attention weights, in training only (0.0).
        bias: biases on the input and output projections (True).
        add_bias_kv: a learned key and value appended to the sequence (False).
        add_zero_attn: a zero key and value appended (False).
        kdim, vdim: the key's and value's features (embed_dim); when either differs, the
            projections are q_proj_weight, k_proj_weight and v_proj_weight, else one packed
            in_proj_weight (3 * embed_dim, embed_dim).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).

    Shape:
        query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch first or unbatched too);
        forward returns (output (L, N, E), weights (N, L, S), or (N, num_heads, L, S) with
        average_attn_weights=False, or None with need_weights=False).

    Example:
        >>> import autograd as ag, nn
        >>> attention = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = ag.randn(3, 5, 8)
        >>> output, weights = attention(x, x, x)
        >>> output.shape, weights.shape
        ((3, 5, 8), (3, 5, 5))
    """

    in_proj_weight: Parameter | None  # None when kdim or vdim differ from embed_dim
    q_proj_weight: Parameter | None  # the three are None when they do not
    k_proj_weight: Parameter | None
    v_proj_weight: Parameter | None
    in_proj_bias: Parameter | None  # None with bias=False
    bias_k: Parameter | None  # None unless add_bias_kv
    bias_v: Parameter | None

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        dtype = factory_dtype(dtype)

        def parameter(*shape):
            return Parameter(ag.empty(*shape, dtype=dtype, device=device))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = parameter(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = parameter(embed_dim, embed_dim)
            self.k_proj_weight = parameter(embed_dim, self.kdim)
            self.v_proj_weight = parameter(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", parameter(3 * embed_dim) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self.register_parameter("bias_k", parameter(1, 1, embed_dim) if add_bias_kv else None)
        self.register_parameter("bias_v", parameter(1, 1, embed_dim) if add_bias_kv else None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v (PyTorch's)."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            if self.out_proj.bias is not None:
                init.constant_(self.out_proj.bias, 0.0)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                init.xavier_normal_(extra)

    def forward(self, query: ag.Tensor, key: ag.Tensor, value: ag.Tensor, key_padding_mask: A.Mask | None = None,
                need_weights: bool = True, attn_mask: A.Mask | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[ag.Tensor, ag.Tensor | None]:
        """key_padding_mask (N, S): True (or -inf) where a key is padding; attn_mask (L, S) or
        (N * num_heads, L, S): True where query i may not attend to key j, or a float bias;
        is_causal: a hint that attn_mask is causal (it must be given)."""
        batched = query.ndim == 3
        if self.batch_first and batched:  # (N, L, E) -> (L, N, E), keeping `query is key` and `key is value`
            transposed: dict[int, ag.Tensor] = {}
            query, key, value = (transposed.setdefault(id(x), x.transpose(1, 0)) for x in (query, key, value))
        output, weights = A.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            output = output.transpose(1, 0)
        return output, weights
