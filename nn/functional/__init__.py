"""nn.functional: the math behind every layer, activation and loss; modules only hold state.

Everything is composed from the engine's differentiable operations (so gradients, and
gradients of gradients, come from their rules), except a few fused nodes where bench/ shows
they pay. By family: affine (linear, a fused ag.Primitive), conv (conv2d as im2col: every
window a view, one matmul; conv1d on it; the transposed ones as one matmul and col2im, an
ag.Primitive), pooling (max/avg/adaptive-avg pooling, tiled max-pool fused),
normalization (batch_norm, layer_norm, group_norm, instance_norm, rms_norm), regularization
(dropout, channel dropout), sparse (embedding, one_hot), padding (pad), upsampling
(interpolate, pixel_shuffle), attention (scaled_dot_product_attention, multi-head attention),
distance (normalize, cosine_similarity, pairwise_distance), activations (relu ... glu) and
losses (mean cross-entropy and binary cross-entropy fused); arguments holds the argument helpers they share with the
layers, which are not PyTorch API and so not re-exported here; nor is recurrent (the fused
RNN, LSTM and GRU steps and the time loop behind nn.RNN, nn.LSTM and nn.GRU).
"""
from .activations import (elu, gelu, glu, hardsigmoid, hardswish, hardtanh, leaky_relu, log_softmax, logsigmoid, mish,
                          prelu, relu, relu6, sigmoid, silu, softmax, softplus, softsign, tanh)
from .affine import linear
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .distance import cosine_similarity, normalize, pairwise_distance
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss, cross_entropy,
                     huber_loss, kl_div, l1_loss, margin_ranking_loss, mse_loss, nll_loss, smooth_l1_loss,
                     triplet_margin_loss)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from .padding import pad
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d,
                      avg_pool2d, max_pool1d, max_pool2d)
from .regularization import dropout, dropout1d, dropout2d, dropout3d
from .sparse import embedding, one_hot
from .upsampling import interpolate, pixel_shuffle, pixel_unshuffle

__all__ = [
    "linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
    "conv1d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "interpolate", "pixel_shuffle", "pixel_unshuffle",
    "group_norm", "instance_norm", "rms_norm", "dropout1d", "dropout2d", "dropout3d",
    "scaled_dot_product_attention", "multi_head_attention_forward",
    "batch_norm", "layer_norm", "dropout", "embedding", "one_hot", "pad",
    "relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "logsigmoid", "softsign", "glu",
    "kl_div", "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss",
    "normalize", "cosine_similarity", "pairwise_distance",
]
