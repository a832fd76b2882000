"""Loss layers: each holds its options (and weights, as buffers) and calls nn.functional."""
from __future__ import annotations

import autograd as ag

from . import functional as F
from .functional.arguments import resolve_reduction
from .module import Module


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = resolve_reduction(size_average, reduce, reduction, type(self).__name__)


class _WeightedLoss(_Loss):
    weight: ag.Tensor | None  # a buffer

    def __init__(self, weight: ag.Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", None if weight is None else ag.as_tensor(weight))


class MSELoss(_Loss):
    """Mean squared error: (input - target)^2, reduced by `reduction` ('mean', 'sum', 'none').

    Shape: input and target (*) of the same shape; output a scalar, or (*) with 'none'.

    Example:
        >>> import autograd as ag, nn
        >>> nn.MSELoss()(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 4.0])).item()
        2.0
    """

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |input - target|, reduced.

    Example:
        >>> import autograd as ag, nn
        >>> nn.L1Loss()(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 4.0])).item()
        1.0
    """

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target), reduced.

    Example:
        >>> import autograd as ag, nn
        >>> nn.SmoothL1Loss()(ag.tensor([0.0, 0.0]), ag.tensor([0.5, 3.0])).item()
        1.3125
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere, reduced.

    Example:
        >>> import autograd as ag, nn
        >>> nn.HuberLoss(delta=2.0)(ag.tensor([0.0]), ag.tensor([3.0])).item()
        4.0
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between logits and class indices (or class probabilities).

    Args:
        weight: (C,) per-class weights; ignore_index (-100): a target value that contributes
        nothing; reduction: 'mean' (for indices, divided by the summed weights of the
        non-ignored targets), 'sum' or 'none'; label_smoothing (0.0): mixes the target with
        the uniform distribution.

    Shape:
        input (N, C) or (N, C, d1, ...) or (C,) logits; target (N) or (N, d1, ...) or ()
        class indices, or the input's shape with probabilities.

    Example:
        >>> import autograd as ag, nn
        >>> loss = nn.CrossEntropyLoss()(ag.zeros(2, 4), ag.tensor([0, 3]))
        >>> round(loss.item(), 4)
        1.3863
    """

    def __init__(self, weight: ag.Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class indices, given log-probabilities (e.g. from LogSoftmax).

    Args: weight (C,), ignore_index (-100), reduction, as CrossEntropyLoss.

    Shape: input (N, C) or (N, C, d1, ...) or (C,); target (N) or (N, d1, ...) or ().

    Example:
        >>> import autograd as ag, nn
        >>> nn.NLLLoss()(ag.tensor([[-1.0, -2.0]]), ag.tensor([1])).item()
        2.0
    """

    def __init__(self, weight: ag.Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities: -w (y log x + (1 - y) log(1 - x)), logs clamped at -100.

    Shape: input (*) in [0, 1], target (*) of the same shape; weight broadcasts to them.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.BCELoss()(ag.tensor([0.5]), ag.tensor([1.0])).item(), 4)
        0.6931
    """

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid plus binary cross-entropy in one numerically stable step.

    Args:
        weight: broadcasts to the loss; pos_weight: weight of positive examples, broadcast
        along the last (class) dim.

    Shape: input (*) logits, target (*) of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.BCEWithLogitsLoss()(ag.tensor([0.0]), ag.tensor([1.0])).item(), 4)
        0.6931
    """

    pos_weight: ag.Tensor | None  # a buffer

    def __init__(self, weight: ag.Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: ag.Tensor | None = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else ag.as_tensor(pos_weight))

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence: target * (log target - input), input being log-probabilities.

    Args:
        reduction: 'mean' (over all elements; PyTorch warns), 'batchmean' (the sum over the
        batch size: the true KL divergence), 'sum' or 'none'. log_target: the target is given
        as log-probabilities too (False).

    Shape: input (*) log-probabilities, target (*) of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> loss = nn.KLDivLoss(reduction="batchmean")
        >>> loss(ag.log(ag.tensor([[0.5, 0.5]])), ag.tensor([[0.5, 0.5]])).item()
        0.0
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        Module.__init__(self)  # 'batchmean' is KLDivLoss's own reduction, checked by F.kl_div
        self.reduction = reduction if size_average is None and reduce is None else \
            resolve_reduction(size_average, reduce, reduction, "KLDivLoss")
        self.log_target = log_target

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin): y = 1 asks x1 to rank above x2, y = -1 below.

    Shape: input1, input2 and target (N) or ().

    Example:
        >>> import autograd as ag, nn
        >>> nn.MarginRankingLoss(margin=0.5)(ag.tensor([1.0]), ag.tensor([2.0]), ag.tensor([1.0])).item()
        1.5
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) for pairs labelled 1, max(0, cos(x1, x2) - margin) for pairs labelled -1.

    Shape: input1 and input2 (N, D) or (D), target (N) or () of 1 and -1.

    Example:
        >>> import autograd as ag, nn
        >>> nn.CosineEmbeddingLoss()(ag.tensor([[1.0, 0.0]]), ag.tensor([[0.0, 1.0]]), ag.tensor([1.0])).item()
        1.0
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm distance: the anchor should be nearer
    the positive than the negative by the margin.

    Args: margin (1.0), p (2), eps (1e-6, added to the differences), swap (False: use
    min(d(a, n), d(p, n)) as the negative distance), reduction.

    Shape: anchor, positive, negative (N, D) or (D).

    Example:
        >>> import autograd as ag, nn
        >>> a, p, n = ag.tensor([[0.0, 0.0]]), ag.tensor([[0.0, 1.0]]), ag.tensor([[0.0, 3.0]])
        >>> round(nn.TripletMarginLoss(margin=1.0, eps=0.0)(a, p, n).item(), 4)
        0.0
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: ag.Tensor, positive: ag.Tensor, negative: ag.Tensor) -> ag.Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)
