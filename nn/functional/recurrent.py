"""The math of the recurrent layers: one time step of an Elman RNN, an LSTM and a GRU, and the
time loop over layers and directions that nn.RNN, nn.LSTM and nn.GRU run.

Each step exists twice: composed from the engine's differentiable operations (`*_step_composed`,
the reference: about 20 graph nodes per LSTM step) and fused (`*_step`: one ag.Primitive per
step whose forward computes the whole gate block on arrays and whose backward returns every
gradient at once). bench/w7_lstm.py measures both; the layers use the fused one.

A step maps (input x, state, weights) to the new state. An RNN's or a GRU's state is h; an
LSTM's is [h | c], h and c side by side in one (batch, hidden + cell) tensor, because a graph
node has one output. Gate order is PyTorch's: (i, f, g, o) for the LSTM, (r, z, n) for the GRU.
The fused backward is written in the vocabulary arrays and Tensors share, so it runs on arrays
normally; under create_graph it recomputes the gates from the inputs on Tensors, so that the
gradient is itself differentiable (gradgradcheck).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd as ag

from . import regularization


def _sigmoid(x):
    """1 / (1 + exp(-x)) as 0.5 tanh(x / 2) + 0.5: no overflow, and on arrays or Tensors alike."""
    return np.tanh(x * 0.5) * 0.5 + 0.5


def _affine(x, h, w_ih, w_hh, b_ih, b_hh):
    """x W_ih^T + h W_hh^T + b_ih + b_hh, the pre-activations of every gate at once."""
    out = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        out = out + b_ih
    if b_hh is not None:
        out = out + b_hh
    return out


def _lstm_gates(x, state, w_ih, w_hh, b_ih, b_hh, w_hr):
    """(i, f, g, o, c_prev, c, tanh(c), o tanh(c), new state) of one LSTM step."""
    out_size = state.shape[1] - w_hh.shape[0] // 4
    h, c_prev = state[:, :out_size], state[:, out_size:]
    gates = _affine(x, h, w_ih, w_hh, b_ih, b_hh)
    n = gates.shape[1] // 4
    i, f = _sigmoid(gates[:, :n]), _sigmoid(gates[:, n:2 * n])
    g, o = np.tanh(gates[:, 2 * n:3 * n]), _sigmoid(gates[:, 3 * n:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h_raw = o * tanh_c
    h_new = h_raw if w_hr is None else h_raw @ w_hr.T
    return i, f, g, o, c_prev, c, tanh_c, h_raw, np.concatenate([h_new, c], axis=1)


def _affine_grads(ctx, d_x, d_h, x, h, w_ih, w_hh):
    """Gradients of x, h, W_ih, W_hh, b_ih, b_hh from those of the two affine maps' outputs."""
    need = ctx.needs_input_grad
    return (d_x @ w_ih if need[0] else None, d_h @ w_hh if need[1] else None,
            d_x.T @ x if need[2] else None, d_h.T @ h if need[3] else None,
            d_x.sum(axis=0) if need[4] else None, d_h.sum(axis=0) if need[5] else None)


class LSTMStep(ag.Primitive):
    """One LSTM step as one graph node: (x, [h | c], W_ih, W_hh, b_ih, b_hh, W_hr) -> [h' | c']."""

    symbol = "LSTM"

    @staticmethod
    def forward(ctx, x, state, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
        *kept, new_state = _lstm_gates(x, state, w_ih, w_hh, b_ih, b_hh, w_hr)
        ctx.save_for_backward(x, state, w_ih, w_hh, b_ih, b_hh, w_hr, *kept)
        return new_state

    @staticmethod
    def backward(ctx, grad):
        x, state, w_ih, w_hh, b_ih, b_hh, w_hr, *kept = ctx.saved_tensors
        if isinstance(grad, ag.Tensor):  # create_graph: the gates as functions of the inputs
            kept = _lstm_gates(x, state, w_ih, w_hh, b_ih, b_hh, w_hr)[:-1]
        i, f, g, o, c_prev, c, tanh_c, h_raw = kept
        out_size = state.shape[1] - c.shape[1]
        d_h, d_c = grad[:, :out_size], grad[:, out_size:]
        d_w_hr = None
        if w_hr is not None:
            d_w_hr = d_h.T @ h_raw if ctx.needs_input_grad[6] else None
            d_h = d_h @ w_hr
        d_c = d_c + d_h * o * (1 - tanh_c * tanh_c)
        d_gates = np.concatenate([d_c * g * i * (1 - i), d_c * c_prev * f * (1 - f), d_c * i * (1 - g * g),
                                  d_h * tanh_c * o * (1 - o)], axis=1)
        d_x, d_h_prev, d_w_ih, d_w_hh, d_b_ih, d_b_hh = _affine_grads(ctx, d_gates, d_gates, x, state[:, :out_size],
                                                                      w_ih, w_hh)
        d_state = np.concatenate([d_h_prev, d_c * f], axis=1) if ctx.needs_input_grad[1] else None
        return d_x, d_state, d_w_ih, d_w_hh, d_b_ih, d_b_hh, d_w_hr


def _gru_gates(x, h, w_ih, w_hh, b_ih, b_hh):
    """(r, z, n, the hidden part of n's pre-activation, h') of one GRU step."""
    gi = x @ w_ih.T if b_ih is None else x @ w_ih.T + b_ih
    gh = h @ w_hh.T if b_hh is None else h @ w_hh.T + b_hh
    k = gi.shape[1] // 3
    r = _sigmoid(gi[:, :k] + gh[:, :k])
    z = _sigmoid(gi[:, k:2 * k] + gh[:, k:2 * k])
    gh_n = gh[:, 2 * k:]
    n = np.tanh(gi[:, 2 * k:] + r * gh_n)
    return r, z, n, gh_n, n + z * (h - n)


class GRUStep(ag.Primitive):
    """One GRU step as one graph node: (x, h, W_ih, W_hh, b_ih, b_hh) -> h'."""

    symbol = "GRU"

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        *kept, h_new = _gru_gates(x, h, w_ih, w_hh, b_ih, b_hh)
        ctx.save_for_backward(x, h, w_ih, w_hh, b_ih, b_hh, *kept)
        return h_new

    @staticmethod
    def backward(ctx, grad):
        x, h, w_ih, w_hh, b_ih, b_hh, *kept = ctx.saved_tensors
        if isinstance(grad, ag.Tensor):
            kept = _gru_gates(x, h, w_ih, w_hh, b_ih, b_hh)[:-1]
        r, z, n, gh_n = kept
        d_n = grad * (1 - z) * (1 - n * n)
        d_r = d_n * gh_n * r * (1 - r)
        d_z = grad * (h - n) * z * (1 - z)
        d_gi = np.concatenate([d_r, d_z, d_n], axis=1)
        d_gh = np.concatenate([d_r, d_z, d_n * r], axis=1)
        d_x, d_h, d_w_ih, d_w_hh, d_b_ih, d_b_hh = _affine_grads(ctx, d_gi, d_gh, x, h, w_ih, w_hh)
        if d_h is not None:
            d_h = d_h + grad * z
        return d_x, d_h, d_w_ih, d_w_hh, d_b_ih, d_b_hh


class RNNStep(ag.Primitive):
    """One Elman step as one graph node: (x, h, W_ih, W_hh, b_ih, b_hh) -> tanh or relu of the affine map."""

    symbol = "RNN"

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
        ctx.nonlinearity = nonlinearity
        pre = _affine(x, h, w_ih, w_hh, b_ih, b_hh)
        out = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
        ctx.save_for_backward(x, h, w_ih, w_hh, b_ih, b_hh, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, h, w_ih, w_hh, b_ih, b_hh, out = ctx.saved_tensors
        if isinstance(grad, ag.Tensor):
            pre = _affine(x, h, w_ih, w_hh, b_ih, b_hh)
            out = np.tanh(pre) if ctx.nonlinearity == "tanh" else pre
        d_pre = grad * (1 - out * out) if ctx.nonlinearity == "tanh" else np.where(out > 0, grad, 0 * grad)
        return _affine_grads(ctx, d_pre, d_pre, x, h, w_ih, w_hh)


# ---- the steps the layers call ----------------------------------------------------------------
Weights = Sequence[Any]  # (w_ih, w_hh, b_ih, b_hh[, w_hr]); biases None when bias=False
Step = Callable[[ag.Tensor, ag.Tensor, Weights], ag.Tensor]


def lstm_step(x: ag.Tensor, state: ag.Tensor, weights: Weights) -> ag.Tensor:
    """One LSTM step on the state [h | c], one fused node."""
    w_ih, w_hh, b_ih, b_hh, *projection = weights
    return LSTMStep.apply(x, state, w_ih, w_hh, b_ih, b_hh, projection[0] if projection else None)


def gru_step(x: ag.Tensor, h: ag.Tensor, weights: Weights) -> ag.Tensor:
    return GRUStep.apply(x, h, *weights)


def rnn_tanh_step(x: ag.Tensor, h: ag.Tensor, weights: Weights) -> ag.Tensor:
    return RNNStep.apply(x, h, *weights)


def rnn_relu_step(x: ag.Tensor, h: ag.Tensor, weights: Weights) -> ag.Tensor:
    return RNNStep.apply(x, h, *weights, nonlinearity="relu")


def _linear(x, weight, bias):
    out = x @ weight.T
    return out if bias is None else out + bias


def lstm_step_composed(x: ag.Tensor, state: ag.Tensor, weights: Weights) -> ag.Tensor:
    """The reference LSTM step, composed of the engine's operations (one node per operation)."""
    w_ih, w_hh, b_ih, b_hh, *projection = weights
    out_size = state.shape[1] - w_hh.shape[0] // 4
    h, c = state[:, :out_size], state[:, out_size:]
    i, f, g, o = (_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh)).chunk(4, 1)
    c = ag.sigmoid(f) * c + ag.sigmoid(i) * ag.tanh(g)
    h = ag.sigmoid(o) * ag.tanh(c)
    if projection and projection[0] is not None:
        h = h @ projection[0].T
    return ag.cat([h, c], 1)


def gru_step_composed(x: ag.Tensor, h: ag.Tensor, weights: Weights) -> ag.Tensor:
    w_ih, w_hh, b_ih, b_hh = weights
    x_r, x_z, x_n = _linear(x, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = _linear(h, w_hh, b_hh).chunk(3, 1)
    r, z = ag.sigmoid(x_r + h_r), ag.sigmoid(x_z + h_z)
    n = ag.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def rnn_tanh_step_composed(x: ag.Tensor, h: ag.Tensor, weights: Weights) -> ag.Tensor:
    w_ih, w_hh, b_ih, b_hh = weights
    return ag.tanh(_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh))


def rnn_relu_step_composed(x: ag.Tensor, h: ag.Tensor, weights: Weights) -> ag.Tensor:
    w_ih, w_hh, b_ih, b_hh = weights
    return ag.relu(_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh))


STEPS: dict[str, Step] = {"LSTM": lstm_step, "GRU": gru_step, "RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step}
COMPOSED_STEPS: dict[str, Step] = {"LSTM": lstm_step_composed, "GRU": gru_step_composed,
                                   "RNN_TANH": rnn_tanh_step_composed, "RNN_RELU": rnn_relu_step_composed}


# ---- PyTorch's cell functions (torch.lstm_cell, torch.gru_cell, torch.rnn_tanh_cell, ...) --------
def lstm_cell(input: ag.Tensor, hx: Sequence[ag.Tensor], w_ih: ag.Tensor, w_hh: ag.Tensor,
              b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> tuple[ag.Tensor, ag.Tensor]:
    """One LSTM step: (h', c') from input (N, I) and hx = (h, c), each (N, H)."""
    h, c = hx
    state = lstm_step(input, ag.cat([h, c], 1), (w_ih, w_hh, b_ih, b_hh))
    size = h.shape[-1]
    return state[:, :size], state[:, size:]


def gru_cell(input: ag.Tensor, hx: ag.Tensor, w_ih: ag.Tensor, w_hh: ag.Tensor,
             b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> ag.Tensor:
    """One GRU step: h' from input (N, I) and h (N, H)."""
    return gru_step(input, hx, (w_ih, w_hh, b_ih, b_hh))


def rnn_tanh_cell(input: ag.Tensor, hx: ag.Tensor, w_ih: ag.Tensor, w_hh: ag.Tensor,
                  b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> ag.Tensor:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return rnn_tanh_step(input, hx, (w_ih, w_hh, b_ih, b_hh))


def rnn_relu_cell(input: ag.Tensor, hx: ag.Tensor, w_ih: ag.Tensor, w_hh: ag.Tensor,
                  b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> ag.Tensor:
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return rnn_relu_step(input, hx, (w_ih, w_hh, b_ih, b_hh))


# ---- the time loop ------------------------------------------------------------------------------
def _run_direction(step: Step, weights: Weights, inputs: Sequence[ag.Tensor], batch_sizes: Sequence[int],
                   state: ag.Tensor, reverse: bool) -> tuple[list[Any], ag.Tensor]:
    """One layer in one direction over the time steps `inputs` (each (batch_sizes[t], features),
    batch sizes non-increasing, as in a PackedSequence). Returns the step states in time order
    and the final state of every sequence (batch_sizes[0] rows): a sequence's last state is the
    one at its last step, so rows that end early are set aside as the batch shrinks."""
    outputs: list[Any] = [None] * len(inputs)
    if not reverse:
        finished = []
        for t, x in enumerate(inputs):
            size = batch_sizes[t]
            if size < state.shape[0]:
                finished.append(state[size:])
                state = state[:size]
            state = step(x, state, weights)
            outputs[t] = state
        final = ag.cat([state, *finished[::-1]], 0) if finished else state
        return outputs, final
    initial, state = state, state[:batch_sizes[-1]] if batch_sizes[-1] < state.shape[0] else state
    for t in range(len(inputs) - 1, -1, -1):
        size = batch_sizes[t]
        if size > state.shape[0]:  # sequences that start here (read backwards) begin from their h_0
            state = ag.cat([state, initial[state.shape[0]:size]], 0)
        state = step(inputs[t], state, weights)
        outputs[t] = state
    return outputs, state


def recurrent(mode: str, inputs: Sequence[ag.Tensor], batch_sizes: Sequence[int], states: Sequence[ag.Tensor],
              weights: Sequence[Weights], num_layers: int, dropout: float, training: bool, bidirectional: bool,
              out_size: int, step: Step | None = None) -> tuple[list[ag.Tensor], list[ag.Tensor]]:
    """The multi-layer, optionally bidirectional time loop behind nn.RNN, nn.LSTM and nn.GRU.

    inputs: one tensor per time step, (batch_sizes[t], input_size), batch sizes non-increasing.
    states: the initial state of each layer and direction (l0, l0_reverse, l1, ...), each
    (batch_sizes[0], state size). weights: the step weights of each, in the same order. out_size:
    the width of h within a state (an LSTM's state is [h | c]). step: the step function (the
    fused one of `mode` if None). Dropout with probability `dropout` is applied to the outputs
    of every layer but the last, in training. Returns the last layer's outputs per step (the
    directions side by side) and the final state of every layer and direction.
    """
    step = STEPS[mode] if step is None else step
    directions = 2 if bidirectional else 1
    is_lstm = mode == "LSTM"
    finals = []
    for layer in range(num_layers):
        per_direction = []
        for direction in range(directions):
            k = layer * directions + direction
            steps, final = _run_direction(step, weights[k], inputs, batch_sizes, states[k], reverse=direction == 1)
            per_direction.append([s[:, :out_size] for s in steps] if is_lstm else steps)
            finals.append(final)
        if directions == 1:
            inputs = per_direction[0]
        else:
            inputs = [ag.cat([a, b], 1) for a, b in zip(*per_direction)]
        if dropout and training and layer < num_layers - 1:
            inputs = [regularization.dropout(x, dropout) for x in inputs]
    return list(inputs), finals
