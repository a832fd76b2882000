"""Transformer layers: TransformerEncoderLayer, TransformerDecoderLayer, the stacks of them
(TransformerEncoder, TransformerDecoder) and Transformer, with PyTorch's submodule names (so a
state_dict loads across) and its post-norm (default) and pre-norm (norm_first) blocks."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

import autograd as ag

from . import functional as F
from . import init
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .functional.attention import Mask
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

Activation = str | Callable[[ag.Tensor], ag.Tensor]


def _activation(activation: Activation) -> Callable[[ag.Tensor], ag.Tensor]:
    if not isinstance(activation, str):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection and LayerNorm:
    x = norm1(x + sa(x)); x = norm2(x + ff(x)), or with norm_first x = x + sa(norm1(x)); ...

    Args:
        d_model: features; nhead: attention heads; dim_feedforward: the hidden width (2048);
        dropout: after attention, inside and after the feed-forward block (0.1, training only);
        activation: "relu", "gelu" or a callable (F.relu); layer_norm_eps (1e-5);
        batch_first (False); norm_first (False); bias: in the linear and norm layers (True).

    Shape: src (S, N, E), or (N, S, E) with batch_first, or (S, E) -> the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
        >>> layer(ag.randn(3, 5, 8)).shape
        (3, 5, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Activation = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src: ag.Tensor, src_mask: Mask | None = None, src_key_padding_mask: Mask | None = None,
                is_causal: bool = False) -> ag.Tensor:
        """src_mask (S, S) or (N * nhead, S, S): True (or -inf) where attention is not allowed;
        src_key_padding_mask (N, S): True where a position is padding."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's memory, then a feed-forward
    block, each with a residual connection and LayerNorm (post-norm, or pre-norm with norm_first).

    Args: as TransformerEncoderLayer.

    Shape: tgt (T, N, E), memory (S, N, E) (batch first or unbatched too) -> tgt's shape.

    Example:
        >>> import autograd as ag, nn
        >>> layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> layer(ag.randn(4, 3, 8), ag.randn(6, 3, 8)).shape
        (4, 3, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Activation = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                            **factory)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                                 **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt: ag.Tensor, memory: ag.Tensor, tgt_mask: Mask | None = None, memory_mask: Mask | None = None,
                tgt_key_padding_mask: Mask | None = None, memory_key_padding_mask: Mask | None = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> ag.Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer (each with its own weights), then `norm` if given.

    Example:
        >>> import autograd as ag, nn
        >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> nn.TransformerEncoder(layer, num_layers=2)(ag.randn(5, 3, 8)).shape
        (5, 3, 8)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check  # accepted; no nested tensors here

    def forward(self, src: ag.Tensor, mask: Mask | None = None, src_key_padding_mask: Mask | None = None,
                is_causal: bool | None = None) -> ag.Tensor:
        """mask and src_key_padding_mask as TransformerEncoderLayer's; is_causal: a hint that mask
        is causal (None: detected from the mask)."""
        is_causal = _is_causal(mask, is_causal)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer (each with its own weights), then `norm` if given.

    Example:
        >>> import autograd as ag, nn
        >>> layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> nn.TransformerDecoder(layer, num_layers=2)(ag.randn(4, 3, 8), ag.randn(6, 3, 8)).shape
        (4, 3, 8)
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: ag.Tensor, memory: ag.Tensor, tgt_mask: Mask | None = None, memory_mask: Mask | None = None,
                tgt_key_padding_mask: Mask | None = None, memory_key_padding_mask: Mask | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> ag.Tensor:
        tgt_is_causal = _is_causal(tgt_mask, tgt_is_causal)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


def _is_causal(mask: Mask | None, is_causal: bool | None) -> bool:
    """The hint as given, or (None) whether the mask is the square causal mask."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    values = np.asarray(mask)
    size = values.shape[-1]
    if values.shape != (size, size):
        return False
    causal = np.triu(np.ones((size, size), dtype=bool), 1)
    return bool((values == causal).all()) if values.dtype == np.bool_ else bool(
        (np.isneginf(values) == causal).all() and (values[~causal] == 0).all())


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need": an encoder stack over
    src and a decoder stack over tgt that attends to the encoder's output, each ending in a
    LayerNorm; matrices initialised Xavier-uniform.

    Args:
        d_model (512), nhead (8), num_encoder_layers (6), num_decoder_layers (6),
        dim_feedforward (2048), dropout (0.1), activation, custom_encoder, custom_decoder,
        layer_norm_eps, batch_first, norm_first, bias: as PyTorch's.

    Shape: src (S, N, E), tgt (T, N, E) (batch first or unbatched too) -> (T, N, E).

    Example:
        >>> import autograd as ag, nn
        >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
        >>> mask = nn.Transformer.generate_square_subsequent_mask(4)
        >>> model(ag.randn(6, 3, 8), ag.randn(4, 3, 8), tgt_mask=mask).shape
        (4, 3, 8)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation: Activation = F.relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, *options, **factory),
                                              num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, *options, **factory),
                                              num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src: ag.Tensor, tgt: ag.Tensor, src_mask: Mask | None = None, tgt_mask: Mask | None = None,
                memory_mask: Mask | None = None, src_key_padding_mask: Mask | None = None,
                tgt_key_padding_mask: Mask | None = None, memory_key_padding_mask: Mask | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> ag.Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: str | ag.device | None = None,
                                        dtype: DTypeLike | None = None) -> ag.Tensor:
        """The causal mask (sz, sz): -inf above the diagonal (future positions), 0 elsewhere.

        Example:
            >>> import nn
            >>> nn.Transformer.generate_square_subsequent_mask(3).tolist()
            [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
        """
        return ag.triu(ag.full((sz, sz), float("-inf"), dtype=dtype, device=device), 1)
