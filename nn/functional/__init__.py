"""nn.functional: the math behind every layer, activation and loss; modules only hold state.

Everything is composed from the engine's differentiable operations (so gradients, and
gradients of gradients, come from their rules), except a few fused nodes where bench/ shows
they pay. By family: affine (linear, a fused ag.Primitive), conv (conv2d as im2col: every
window a view, one matmul), pooling (max/avg/adaptive-avg pooling, tiled max-pool fused),
normalization (batch_norm, layer_norm), regularization (dropout), sparse (embedding,
one_hot), padding (pad), activations (relu ... log_softmax) and losses (mean cross-entropy
and binary cross-entropy fused); arguments holds the argument helpers they share with the
layers, which are not PyTorch API and so not re-exported here; nor is recurrent (the fused
RNN, LSTM and GRU steps and the time loop behind nn.RNN, nn.LSTM and nn.GRU).
"""
from .activations import elu, gelu, leaky_relu, log_softmax, prelu, relu, sigmoid, silu, softmax, softplus, tanh
from .affine import linear
from .conv import conv2d
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss, mse_loss,
                     nll_loss, smooth_l1_loss)
from .normalization import batch_norm, layer_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .regularization import dropout
from .sparse import embedding, one_hot

__all__ = [
    "linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
    "batch_norm", "layer_norm", "dropout", "embedding", "one_hot", "pad",
    "relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
