"""nn.functional's losses: mse, l1, smooth_l1, huber, nll, cross_entropy, binary_cross_entropy,
binary_cross_entropy_with_logits, kl_div, margin_ranking, cosine_embedding and triplet_margin,
with PyTorch's reductions, weights, ignore_index and label_smoothing rules. Two are fused nodes
where bench/ shows they pay: mean cross-entropy of class indices (an ag.Primitive with an
array-speed backward) and binary cross-entropy (an ag.Function with PyTorch's clamped logs and
gradient); the rest are composed from the engine's differentiable operations."""
from __future__ import annotations

import math
import warnings

import numpy as np

import autograd as ag

from .activations import log_softmax
from .arguments import resolve_reduction, shape_of
from .distance import pairwise_distance


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_same_size(input, target, op):
    if shape_of(input) != shape_of(target):
        warnings.warn(f"{op}: using a target size ({shape_of(target)}) that is different to the input size "
                      f"({shape_of(input)}). This will likely lead to incorrect results due to broadcasting. "
                      f"Please ensure they have the same size.", stacklevel=3)


def _pointwise_loss(loss, input, weight, reduction, mean_by_weight, op):
    """Applies the optional elementwise weight and the reduction (PyTorch 2.13's rules)."""
    if weight is None:
        return _reduce(loss, reduction)
    if shape_of(weight) != shape_of(input):
        raise ValueError(f"{op}: weights and input must have the same size, got {shape_of(weight)} and {shape_of(input)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: ag.Tensor | None = None) -> ag.Tensor:
    """(input - target)^2, reduced; with weight, 'mean' is sum(w * loss) / sum(w)."""
    reduction = resolve_reduction(size_average, reduce, reduction, "mse_loss")
    _check_same_size(input, target, "mse_loss")
    diff = input - target
    return _pointwise_loss(diff * diff, input, weight, reduction, True, "mse_loss")


def l1_loss(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: ag.Tensor | None = None) -> ag.Tensor:
    """|input - target|, reduced; with weight, 'mean' is sum(w * loss) / sum(w)."""
    reduction = resolve_reduction(size_average, reduce, reduction, "l1_loss")
    _check_same_size(input, target, "l1_loss")
    return _pointwise_loss(ag.abs(input - target), input, weight, reduction, True, "l1_loss")


def _quadratic_then_linear(diff, width):
    """0.5 d^2 for |d| < width, else width * (|d| - 0.5 width): Huber's loss."""
    size = ag.abs(diff)
    return ag.where(np.asarray(size) < width, diff * diff * 0.5, (size - 0.5 * width) * width)


def smooth_l1_loss(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> ag.Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (L1 when beta is 0)."""
    reduction = resolve_reduction(size_average, reduce, reduction, "smooth_l1_loss")
    _check_same_size(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    diff = input - target
    if beta == 0:
        return _reduce(ag.abs(diff), reduction)
    return _reduce(_quadratic_then_linear(diff, beta) / beta, reduction)


def huber_loss(input: ag.Tensor, target: ag.Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: ag.Tensor | None = None) -> ag.Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); with weight, 'mean' is a plain mean."""
    reduction = resolve_reduction(None, None, reduction, "huber_loss")
    _check_same_size(input, target, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _pointwise_loss(_quadratic_then_linear(input - target, delta), input, weight, reduction, False, "huber_loss")


def _class_indices(input, target, op):
    """The integer targets of (N, C, *) or (C,) input as an array, their dtype and shape checked."""
    indices = np.asarray(target)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {indices.dtype}; use target.long()")
    batch = (shape_of(input)[:1] + shape_of(input)[2:]) if input.ndim >= 2 else ()
    if indices.shape != batch:
        raise ValueError(f"{op}: input of shape {shape_of(input)} (N, C, *) needs a target of shape {batch} (N, *), "
                         f"got {indices.shape}")
    return indices


def _check_bounds(indices, ignored, classes, op):
    bad = (~ignored) & ((indices < 0) | (indices >= classes))
    if bad.any():
        raise IndexError(f"{op}: Target {indices[bad].flat[0]} is out of bounds (there are {classes} classes)")


def _class_targets(input, target, ignore_index, op):
    """Validated integer targets for (N, C, *) or (C,) input; ignored entries replaced by 0."""
    indices = _class_indices(input, target, op)
    ignored = indices == ignore_index
    _check_bounds(indices, ignored, input.shape[1] if input.ndim >= 2 else input.shape[0], op)
    return np.where(ignored, 0, indices), ignored


def _weighted_mean(total, weight_sum):
    """total / weight_sum; NaN without a warning when every target is ignored, as PyTorch."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / weight_sum


def _class_weight(weight, classes, op):
    """The per-class weights as a constant array (PyTorch gives them no gradient either)."""
    if weight is None:
        return None
    values = np.asarray(weight)
    if values.shape != (classes,):
        raise ValueError(f"{op}: weight should have one entry per class, shape ({classes},), got {values.shape}")
    return values


def _picked_nll(log_probs, target, weight, ignore_index, op):
    """Per-element -w[y] * log_probs[y] (0 where ignored) and the weights w[y] used."""
    safe, ignored = _class_targets(log_probs, target, ignore_index, op)
    class_dim = 1 if log_probs.ndim >= 2 else 0
    weight = _class_weight(weight, log_probs.shape[class_dim], op)
    picked = log_probs.gather(class_dim, ag.from_numpy(np.expand_dims(safe, class_dim))).squeeze(class_dim)
    dtype = log_probs.dtype
    weights = np.ones(safe.shape, dtype=dtype) if weight is None else np.asarray(weight, dtype=dtype)[safe]
    weights = np.where(ignored, 0, weights).astype(dtype)
    return -picked * ag.from_numpy(weights), weights


def nll_loss(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> ag.Tensor:
    """Negative log likelihood of class indices given log-probabilities.

    Shape: input (N, C, *) or (C,); target (N, *) or () of class indices. 'mean' divides
    by the summed weights of the non-ignored targets (PyTorch's weighted mean).
    """
    reduction = resolve_reduction(size_average, reduce, reduction, "nll_loss")
    losses, weights = _picked_nll(input, target, weight, ignore_index, "nll_loss")
    if reduction == "mean":
        return _weighted_mean(losses.sum(), weights.sum())
    return _reduce(losses, reduction)


def cross_entropy(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> ag.Tensor:
    """Cross-entropy of logits against class indices or class probabilities.

    Shape: input (N, C, *) or (C,); target either (N, *) integer class indices, or the
    input's shape with probabilities. Follows PyTorch's exact weighting, ignore_index and
    label_smoothing rules (for indices, 'mean' divides by the non-ignored targets' weights).
    """
    reduction = resolve_reduction(size_average, reduce, reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    class_dim = 1 if input.ndim >= 2 else 0
    classes = input.shape[class_dim]
    # (the dtype, not np.asarray(target): ag.compile refuses NumPy reads of a target computed in the step)
    target_kind = target.dtype.kind if isinstance(target, ag.Tensor) else np.asarray(target).dtype.kind
    if (input.ndim == 2 and input.shape[0] and weight is None and label_smoothing == 0 and reduction == "mean"
            and target_kind in "iu"):
        # the common case, one node. Which targets are ignored, or out of bounds, the node decides from
        # the target array in forward: ag.compile replays forward, so that is decided afresh on each call
        # (a branch on it here would be frozen at the recorded call's targets)
        indices = _class_indices(input, target, "cross_entropy")
        return _MeanSoftmaxCrossEntropy.apply(input, target=indices, ignore_index=ignore_index)
    log_probs = log_softmax(input, class_dim)
    weight_shape = (1,) * class_dim + (classes,) + (1,) * (input.ndim - class_dim - 1)
    weight = _class_weight(weight, classes, "cross_entropy")  # an array (or None) from here on
    class_weight = None if weight is None else ag.from_numpy(
        weight.astype(input.dtype).reshape(weight_shape))  # type: ignore[arg-type]
    if target_kind == "f":
        if shape_of(target) != shape_of(input):
            raise ValueError(f"cross_entropy: probability targets must have the input's shape {shape_of(input)}, "
                             f"got {shape_of(target)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = log_probs * target if class_weight is None else log_probs * class_weight * target
        if reduction == "mean":
            return -terms.sum() / (input.numel() // classes) if input.numel() else -terms.sum() * math.nan
        return -terms.sum() if reduction == "sum" else -terms.sum(dim=class_dim)
    losses, weights = _picked_nll(log_probs, target, weight, ignore_index, "cross_entropy")
    if reduction == "mean":
        loss = _weighted_mean(losses.sum(), weights.sum())
    else:
        loss = _reduce(losses, reduction)
    if label_smoothing == 0:
        return loss
    smooth = -(log_probs if class_weight is None else log_probs * class_weight).sum(dim=class_dim)
    ignored = np.asarray(target) == ignore_index
    smooth = ag.where(ignored, 0.0, smooth)
    if reduction == "mean":
        smooth = _weighted_mean(smooth.sum(), weights.sum() if weight is not None else int((~ignored).sum()))
    else:
        smooth = _reduce(smooth, reduction)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)


class _MeanSoftmaxCrossEntropy(ag.Primitive):
    """mean_i -log softmax(x_i)[t_i] for logits (N, C) and class indices t, as one node, the mean
    taken over the targets that are not ignore_index. Backward (softmax(x) - onehot(t)) * g / N, in
    the vocabulary arrays and Tensors share.

    Which targets are ignored, and whether one is out of bounds, forward decides from the target
    array: ag.compile replays forward and backward, so they decide afresh on every call. Where some
    target is ignored they run the arithmetic of nll_loss's path (log_softmax, gather, the weighted
    mean), which computed that case before this node took it: its results are the same bit for bit."""

    symbol = "CE"

    @staticmethod
    def forward(ctx, x, target=None, ignore_index=-100):
        ignored = target == ignore_index
        _check_bounds(target, ignored, x.shape[1], "cross_entropy")
        rows = np.arange(len(target))
        ctx.ignoring = ignored.any()
        if ctx.ignoring:
            return _MeanSoftmaxCrossEntropy._forward_ignoring(ctx, x, rows, np.where(ignored, 0, target), ignored)
        shifted = x - x.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        loss = (np.log(totals[:, 0]) - shifted[rows, target]).mean()
        ctx.onehot = np.zeros(x.shape, dtype=x.dtype)
        ctx.onehot[rows, target] = 1
        ctx.probabilities = exps / totals
        ctx.save_for_backward(x)
        return np.asarray(loss, dtype=x.dtype)

    @staticmethod
    def _forward_ignoring(ctx, x, rows, safe, ignored):
        peak = x.max(axis=1, keepdims=True)
        shifted = x - np.where(np.isfinite(peak), peak, 0)  # log_softmax's
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        weights = (~ignored).astype(x.dtype)
        ctx.rows, ctx.safe, ctx.weights, ctx.weight_sum = rows, safe, weights, weights.sum()
        ctx.log_probs = log_probs
        ctx.onehot = np.zeros(x.shape, dtype=x.dtype)
        ctx.onehot[rows, safe] = 1
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # every target ignored: NaN, as PyTorch
            return np.asarray((-log_probs[rows, safe] * weights).sum() / ctx.weight_sum, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if ctx.ignoring:
            if isinstance(x, ag.Tensor):  # create_graph: (softmax(x) - onehot) * g w_i / sum(w), differentiable again
                return (ag.softmax(x, 1) - ctx.onehot) * ((grad / ctx.weight_sum) * ctx.weights[:, None])
            # the division's, the weighting's, the negation's and the gather's gradients, then log_softmax's
            picked = np.zeros(x.shape, dtype=x.dtype)
            with np.errstate(divide="ignore", invalid="ignore"):  # every target ignored: NaN, as forward
                picked[ctx.rows, ctx.safe] = -((grad / ctx.weight_sum) * ctx.weights)
            return picked - np.exp(ctx.log_probs) * np.sum(picked, axis=1, keepdims=True)
        if isinstance(x, ag.Tensor):  # create_graph: softmax recorded from x, to be differentiated again
            probabilities = ag.softmax(x, 1)
        else:  # the forward's softmax of the same x (saved_tensors checked that it did not change)
            probabilities = ctx.probabilities
        return (probabilities - ctx.onehot) * (grad / x.shape[0])


class _BinaryCrossEntropy(ag.Function):
    """Elementwise -(y log x + (1 - y) log(1 - x)), each log clamped at -100, with PyTorch's
    gradient (x - y) / max(x (1 - x), 1e-12): finite even where x is exactly 0 or 1."""

    symbol = "BCE"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        p, t = np.asarray(x), np.asarray(y)
        with np.errstate(divide="ignore"):
            return ag.from_numpy(-(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100)))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad * (x - y) / ag.clamp(x * (1 - x), min=1e-12) if need_x else None
        grad_y = grad * (ag.clamp(ag.log1p(-x), min=-100) - ag.clamp(ag.log(x), min=-100)) if need_y else None
        return grad_x, grad_y


def binary_cross_entropy(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> ag.Tensor:
    """-w (y log x + (1 - y) log(1 - x)) with each log clamped at -100, as PyTorch.

    Shape: input and target of the same shape, input in [0, 1]; weight broadcasts to it.
    """
    reduction = resolve_reduction(size_average, reduce, reduction, "binary_cross_entropy")
    if shape_of(input) != shape_of(target):
        raise ValueError(f"binary_cross_entropy: using a target size ({shape_of(target)}) that is different to the "
                         f"input size ({shape_of(input)}) is deprecated. Please ensure they have the same size.")
    values = np.asarray(input)
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                         "(pass probabilities, e.g. sigmoid(x), or use binary_cross_entropy_with_logits)")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: ag.Tensor | None = None) -> ag.Tensor:
    """Sigmoid and binary cross-entropy in one stable formula:
    (1 - y) x + (1 + (pos_weight - 1) y) softplus(-x), times weight."""
    reduction = resolve_reduction(size_average, reduce, reduction, "binary_cross_entropy_with_logits")
    if shape_of(input) != shape_of(target):
        raise ValueError(f"binary_cross_entropy_with_logits: target size ({shape_of(target)}) must be the same as "
                         f"input size ({shape_of(input)})")
    softplus_neg = ag.softplus(-input)  # -log(sigmoid(x)), never overflows
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> ag.Tensor:
    """Kullback-Leibler divergence of `target` from the distribution whose log-probabilities
    are `input`: target * (log target - input) elementwise (0 where target is 0), or
    exp(target) * (target - input) with log_target. 'batchmean' divides the sum by the batch
    size (the KL divergence's definition); 'mean' by the number of elements, as PyTorch warns.
    """
    if size_average is not None or reduce is not None:
        reduction = resolve_reduction(size_average, reduce, reduction, "kl_div")
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    elif reduction != "batchmean":
        reduction = resolve_reduction(None, None, reduction, "kl_div")
    if log_target:
        loss = ag.exp(target) * (target - input)
    else:
        positive = np.asarray(target) > 0  # target log target, taken as 0 at target = 0
        loss = ag.where(positive, target * ag.log(ag.where(positive, target, 1.0)), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


def _pair_target_loss(loss, reduction, size_average, reduce, op):
    return _reduce(loss, resolve_reduction(size_average, reduce, reduction, op))


def margin_ranking_loss(input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> ag.Tensor:
    """max(0, -y (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where y = -1."""
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {shape_of(input1)}, input2: {shape_of(input2)}, target: {shape_of(target)} ")
    loss = ag.clamp(-target * (input1 - input2) + margin, min=0.0)
    return _pair_target_loss(loss, reduction, size_average, reduce, "margin_ranking_loss")


def cosine_embedding_loss(input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> ag.Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.

    Shape: input1 and input2 (N, D) or (D,); target (N,) or () of 1 and -1.
    """
    if input1.ndim not in (1, 2) or shape_of(input1) != shape_of(input2):
        raise RuntimeError(f"cosine_embedding_loss: expected input1 and input2 of the same shape, (N, D) or (D), got "
                           f"{shape_of(input1)} and {shape_of(input2)}")
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(f"cosine_embedding_loss: expected a target of shape {shape_of(input1)[:-1]}, "
                           f"got {shape_of(target)}")
    dim = input1.ndim - 1
    epsilon = 1e-12  # PyTorch's, on each squared magnitude
    products = (input1 * input2).sum(dim)
    magnitudes = ((input1 * input1).sum(dim) + epsilon) * ((input2 * input2).sum(dim) + epsilon)
    cos = products / ag.sqrt(magnitudes)
    labels = np.asarray(target)
    loss = ag.where(labels == 1, 1 - cos, 0.0) + ag.where(labels == -1, ag.clamp(cos - margin, min=0.0), 0.0)
    return _pair_target_loss(loss, reduction, size_average, reduce, "cosine_embedding_loss")


def triplet_margin_loss(anchor: ag.Tensor, positive: ag.Tensor, negative: ag.Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> ag.Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm pairwise distance; with swap,
    d(a, n) is replaced by d(p, n) where that is smaller.

    Shape: anchor, positive and negative (N, D) or (D,).
    """
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"triplet_margin_loss: The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, "
                           f"and negative {negative.ndim}D inputs")
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = ag.minimum(to_negative, pairwise_distance(positive, negative, p, eps))
    loss = ag.clamp(to_positive - to_negative + margin, min=0.0)
    return _pair_target_loss(loss, reduction, size_average, reduce, "triplet_margin_loss")
