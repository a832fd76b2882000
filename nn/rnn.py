"""Recurrent layers: RNN, LSTM and GRU over whole sequences (padded or packed), and their cells.

The math and the time loop live in nn.functional.recurrent (one fused graph node per step);
these modules hold the weights under PyTorch's names, shapes and initialisation, so that a
state_dict loads across, and turn the input (batch first or not, unbatched, or a
PackedSequence) into one tensor per time step and back.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

import autograd as ag

from . import init
from .functional import recurrent as R
from .module import Module, Parameter, factory_dtype
from .utils.rnn import PackedSequence

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_nonlinearity(nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the weights of every layer and direction, and forward.

    Parameters, per layer k and direction (suffix "_reverse" for the backward one):
    weight_ih_l{k} (gates * hidden_size, input size of layer k), weight_hh_l{k} (gates *
    hidden_size, proj_size or hidden_size), bias_ih_l{k} and bias_hh_l{k} (gates * hidden_size,)
    and, for an LSTM with proj_size > 0, weight_hr_l{k} (proj_size, hidden_size); all drawn
    from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as in PyTorch.
    """

    # the time step, (x_t, state, weights) -> state; None: mode's fused step (one graph node per
    # step). bench/w7_lstm.py sets the composed step here to measure what the fusing buys.
    step_function: R.Step | None = None

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int), ("hidden_size", hidden_size, int),
                                  ("num_layers", num_layers, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size if proj_size > 0 else hidden_size
        dtype = factory_dtype(dtype)
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else out_size * directions
                shapes: list[tuple[str, tuple[int, ...]]] = [("weight_ih", (gate_size, layer_input)),
                                                             ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                names = [f"{name}_l{layer}{suffix}" for name, _ in shapes]
                for name, (_, shape) in zip(names, shapes):
                    setattr(self, name, Parameter(ag.empty(*shape, dtype=dtype, device=device)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _step_weights(self) -> list[tuple[Any, ...]]:
        """(w_ih, w_hh, b_ih, b_hh[, w_hr]) per layer and direction; None for absent biases."""
        weights = []
        for names in self._all_weights:
            params = [getattr(self, name) for name in names]
            w_ih, w_hh, *rest = params
            biases = (rest[0], rest[1]) if self.bias else (None, None)
            projection = (rest[-1],) if self.proj_size > 0 else ()
            weights.append((w_ih, w_hh, *biases, *projection))
        return weights

    @property
    def _out_size(self) -> int:
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _state_shapes(self, batch: int) -> list[tuple[int, int, int]]:
        layers = self.num_layers * (2 if self.bidirectional else 1)
        shapes = [(layers, batch, self._out_size)]
        return shapes + [(layers, batch, self.hidden_size)] if self.mode == "LSTM" else shapes

    def _check_input(self, input: ag.Tensor, expected_dim: int) -> None:
        weight_dtype = getattr(self, self._flat_weights_names[0]).dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). Convert "
                             f"input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        if input.ndim != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.ndim}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def forward(self, input: ag.Tensor | PackedSequence, hx: Any = None) -> tuple[Any, Any]:
        """(output, h_n), or (output, (h_n, c_n)) for an LSTM; see the layer's docstring for shapes."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        is_lstm = self.mode == "LSTM"
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)  # (L, 1, H_in): batch_first means nothing without a batch
            if hx is not None:
                states = hx if is_lstm else (hx,)
                if any(h.ndim != 2 for h in states):
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                       f"{', '.join(f'{h.ndim}-D' for h in states)} tensor")
                hx = tuple(h.unsqueeze(1) for h in hx) if is_lstm else hx.unsqueeze(1)
        elif hx is not None and any(h.ndim != 3 for h in (hx if is_lstm else (hx,))):
            raise RuntimeError("For batched 3-D input, hx should also be 3-D")
        self._check_input(input, 3)
        time_dim = 1 if self.batch_first and batched else 0
        steps = [input[:, t] if time_dim else input[t] for t in range(input.shape[time_dim])]
        batch = input.shape[1 - time_dim]
        outputs, hidden = self._run(steps, [batch] * len(steps), self._initial_states(hx, batch, input, None))
        output = ag.stack(outputs, time_dim)
        if not batched:
            output = output.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden) if is_lstm else hidden.squeeze(1)
        return output, hidden

    def _forward_packed(self, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        data, batch_sizes, sorted_indices, unsorted_indices = input
        self._check_input(data, 2)
        sizes = [int(n) for n in np.asarray(batch_sizes)]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        steps = [data[offsets[t]:offsets[t + 1]] for t in range(len(sizes))]
        outputs, hidden = self._run(steps, sizes, self._initial_states(hx, sizes[0], data, sorted_indices))
        if unsorted_indices is not None:  # h_n and c_n in the caller's batch order
            hidden = tuple(h.index_select(1, unsorted_indices) for h in hidden) if self.mode == "LSTM" else \
                hidden.index_select(1, unsorted_indices)
        return PackedSequence(ag.cat(outputs, 0), batch_sizes, sorted_indices, unsorted_indices), hidden

    def _run(self, steps: list[ag.Tensor], batch_sizes: list[int], initial: list[ag.Tensor]) -> tuple[list[ag.Tensor], Any]:
        """The time loop: the last layer's output per step, and h_n (or (h_n, c_n))."""
        outputs, finals = R.recurrent(self.mode, steps, batch_sizes, initial, self._step_weights(), self.num_layers,
                                      self.dropout, self.training, self.bidirectional, self._out_size,
                                      self.step_function)
        if self.mode != "LSTM":
            return outputs, ag.stack(finals, 0)
        size = self._out_size
        return outputs, (ag.stack([f[:, :size] for f in finals], 0), ag.stack([f[:, size:] for f in finals], 0))

    def _initial_states(self, hx: Any, batch: int, input: ag.Tensor, sorted_indices: Any) -> list[ag.Tensor]:
        """The initial state of each layer and direction, in the packed batch order."""
        shapes = self._state_shapes(batch)
        if hx is None:
            width = sum(shape[2] for shape in shapes)
            zeros = ag.zeros(batch, width, dtype=input.dtype)
            return [zeros] * shapes[0][0]
        states = list(hx) if self.mode == "LSTM" else [hx]
        if len(states) != len(shapes):
            raise RuntimeError(f"{type(self).__name__}: hx must be {'a tuple (h_0, c_0)' if len(shapes) == 2 else 'one tensor'}")
        for i, (state, shape) in enumerate(zip(states, shapes)):
            if tuple(state.shape) != shape:
                which = f"hidden[{i}] size" if len(shapes) == 2 else "hidden size"
                raise RuntimeError(f"Expected {which} {shape}, got {list(state.shape)}")
        if sorted_indices is not None:
            states = [s.index_select(1, sorted_indices) for s in states]
        if len(states) == 1:
            return [states[0][k] for k in range(shapes[0][0])]
        return [ag.cat([states[0][k], states[1][k]], 1) for k in range(shapes[0][0])]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), layer on layer.

    Args:
        input_size, hidden_size: features of x and of h.
        num_layers: stacked layers (default 1); nonlinearity: 'tanh' (default) or 'relu'.
        bias: learn b_ih and b_hh (default True); batch_first: input and output (N, L, H)
        rather than (L, N, H) (default False); dropout: dropout probability on the outputs of
        every layer but the last, in training (default 0); bidirectional (default False).

    Shape:
        input (L, N, input_size), (N, L, input_size) with batch_first, (L, input_size)
        unbatched, or a PackedSequence; h_0 (D * num_layers, N, hidden_size), optional (zeros).
        Returns (output, h_n): output (L, N, D * hidden_size) (a PackedSequence for packed
        input), h_n (D * num_layers, N, hidden_size); D = 2 if bidirectional else 1.

    Example:
        >>> import autograd as ag, nn
        >>> output, h_n = nn.RNN(10, 20, 2)(ag.randn(5, 3, 10))
        >>> output.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__(_check_nonlinearity(nonlinearity), input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A long short-term memory network, PyTorch's gates (i, f, g, o), layer on layer:

        i, f, o = sigmoid(...), g = tanh(...) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)   (then h_t W_hr^T if proj_size > 0)

    Args:
        as RNN (no nonlinearity), and proj_size: project h to this size (default 0: none).

    Shape:
        input as RNN; hx = (h_0, c_0), optional (zeros): h_0 (D * num_layers, N, H_out),
        c_0 (D * num_layers, N, hidden_size), H_out = proj_size or hidden_size. Returns
        (output, (h_n, c_n)), output (L, N, D * H_out) (a PackedSequence for packed input).

    Example:
        >>> import autograd as ag, nn
        >>> output, (h_n, c_n) = nn.LSTM(10, 20, 2)(ag.randn(5, 3, 10))
        >>> output.shape, h_n.shape, c_n.shape
        ((5, 3, 20), (2, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """A gated recurrent unit network, PyTorch's gates (r, z, n), layer on layer:

        r, z = sigmoid(x_t W_i{r,z}^T + b_i{r,z} + h_{t-1} W_h{r,z}^T + b_h{r,z})
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn)),   h_t = (1 - z) * n + z * h_{t-1}

    Args and Shape: as RNN (no nonlinearity).

    Example:
        >>> import autograd as ag, nn
        >>> output, h_n = nn.GRU(10, 20, 2, batch_first=True)(ag.randn(3, 5, 10))
        >>> output.shape, h_n.shape
        ((3, 5, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


# ---- cells ------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """weight_ih (gates * hidden_size, input_size), weight_hh (gates * hidden_size, hidden_size),
    bias_ih and bias_hh (gates * hidden_size,), all U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""

    bias_ih: Parameter | None
    bias_hh: Parameter | None
    nonlinearity = "tanh"  # RNNCell's choice; the LSTM and GRU cells have none

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = factory_dtype(dtype)
        self.weight_ih = Parameter(ag.empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(ag.empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(ag.empty(num_chunks * hidden_size, dtype=dtype, device=device))
                                    if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _batched(self, input: ag.Tensor, hx: Any) -> tuple[ag.Tensor, Any, bool]:
        """The input and states as 2-D batches, and whether the input had a batch dim."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
            if hx is not None:
                hx = tuple(h.unsqueeze(0) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(0)
        return input, hx, batched

    def _weights(self) -> tuple[Any, ...]:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Shape: input (N, input_size) or (input_size,); hx (N, hidden_size) or (hidden_size,),
    optional (zeros). Returns h' (N, hidden_size) or (hidden_size,).

    Example:
        >>> import autograd as ag, nn
        >>> nn.RNNCell(10, 20)(ag.randn(3, 10)).shape
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        mode = _check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity, self._mode = nonlinearity, mode

    def forward(self, input: ag.Tensor, hx: ag.Tensor | None = None) -> ag.Tensor:
        input, hx, batched = self._batched(input, hx)
        if hx is None:
            hx = ag.zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
        h = R.STEPS[self._mode](input, hx, self._weights())
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, PyTorch's gates (i, f, g, o): c' = f * c + i * g, h' = o * tanh(c').

    Shape: input (N, input_size) or (input_size,); hx = (h, c), each (N, hidden_size) or
    (hidden_size,), optional (zeros). Returns (h', c').

    Example:
        >>> import autograd as ag, nn
        >>> h, c = nn.LSTMCell(10, 20)(ag.randn(3, 10))
        >>> h.shape, c.shape
        ((3, 20), (3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: ag.Tensor, hx: tuple[ag.Tensor, ag.Tensor] | None = None) -> tuple[ag.Tensor, ag.Tensor]:
        input, hx, batched = self._batched(input, hx)
        if hx is None:
            state = ag.zeros(input.shape[0], 2 * self.hidden_size, dtype=input.dtype)
        else:
            state = ag.cat(list(hx), 1)
        state = R.lstm_step(input, state, self._weights())
        h, c = state[:, :self.hidden_size], state[:, self.hidden_size:]
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, PyTorch's gates (r, z, n): h' = (1 - z) * n + z * h.

    Shape: input (N, input_size) or (input_size,); hx (N, hidden_size) or (hidden_size,),
    optional (zeros). Returns h'.

    Example:
        >>> import autograd as ag, nn
        >>> nn.GRUCell(10, 20)(ag.randn(3, 10)).shape
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: ag.Tensor, hx: ag.Tensor | None = None) -> ag.Tensor:
        input, hx, batched = self._batched(input, hx)
        if hx is None:
            hx = ag.zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
        h = R.gru_step(input, hx, self._weights())
        return h if batched else h.squeeze(0)
