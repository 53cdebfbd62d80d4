"""The softmax head as logits - logsumexp(logits), with the max added back inside the log-sum-exp.

The scipy.special.logsumexp way: lse = m + log(sum(exp(logits - m))). Correct: nothing
overflows, and the only difference from subtracting the max for good is rounding at the
logits' magnitude. Everything else is the usual Layer interface.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


class Linear:
    """Z = x @ W + b, for x [B, n_in], W [n_in, n_out], b [n_out] -> Z [B, n_out]."""

    def __init__(self, W, b):
        # The layer refers to the caller's arrays; it never writes into them.
        # (train_mlp hands it copies, because it does update in place.)
        self.W = W
        self.b = b
        self.x = None   # the input of the last forward pass, kept for dW
        self.dW = None  # filled in by backward
        self.db = None

    def forward(self, x):
        # On the instance, not on the class: every Linear keeps its own input.
        self.x = x
        return x @ self.W + self.b  # (B, n_in) @ (n_in, n_out) + (n_out,) -> (B, n_out)

    def backward(self, grad):
        # grad = dloss/dZ, (B, n_out). It already carries the 1/B of the mean loss.
        self.dW = self.x.T @ grad      # (n_in, B) @ (B, n_out) -> (n_in, n_out)
        self.db = grad.sum(axis=0)     # (n_out,): b was broadcast over the batch
        return grad @ self.W.T         # (B, n_out) @ (n_out, n_in) -> (B, n_in)


class ReLU:
    """out = max(x, 0), elementwise; no parameters."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        # The mask comes from the input (the pre-activation). Gradient 0 at exactly 0,
        # as in PyTorch.
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad):
        return np.where(self.mask, grad, 0)  # a Python 0 keeps grad's dtype


class Sequential:
    """Layers applied in order; backward applies their backward passes in reverse."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in self.layers[::-1]:
            grad = layer.backward(grad)
        return grad  # dloss/d(input of the first layer)


class SoftmaxCrossEntropy:
    """Mean softmax cross-entropy of logits [B, C] against class indices y [B]."""

    def __init__(self):
        self.probs = None
        self.y = None

    def forward(self, logits, y):
        m = logits.max(axis=1, keepdims=True)
        log_probs = logits - (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))  # the max added back
        self.probs = np.exp(log_probs)
        self.y = y
        return -log_probs[np.arange(len(y)), y].mean()

    def backward(self):
        # d(mean CE)/dlogits = (probs - onehot(y)) / B: the only 1/B of the network.
        B = len(self.y)
        dlogits = self.probs.copy()  # (B, C); the copy keeps self.probs intact
        dlogits[np.arange(B), self.y] -= 1
        return dlogits / B


def build_mlp(params):
    """Sequential(Linear, ReLU, Linear, ..., ReLU, Linear) from params W1, b1, ..., WL, bL."""
    n_layers = len(params) // 2
    layers = []
    for k in range(1, n_layers + 1):
        if k > 1:
            layers.append(ReLU())  # between two Linear layers, never after the last
        layers.append(Linear(params[f"W{k}"], params[f"b{k}"]))
    return Sequential(layers)


def linear_layers(net):
    return [layer for layer in net.layers if isinstance(layer, Linear)]


def mlp_gradients(X, y, params):
    """One forward and one backward pass of the N-layer MLP.

    Inputs:
    - X: np.ndarray (B, n0), float32 or float64.
    - y: np.ndarray (B,), int64 class indices in [0, nL).
    - params: dict with W1 (n0, n1), b1 (n1,), ..., WL (n_{L-1}, nL), bL (nL,), all
      of X's dtype. L >= 1 is the number of Linear layers.

    Returns (loss, grads): loss a scalar, the mean cross-entropy; grads a dict with
    the keys of params plus "X", each the gradient of that tensor with its shape.
    """
    net = build_mlp(params)
    head = SoftmaxCrossEntropy()
    loss = head.forward(net.forward(X), y)
    dX = net.backward(head.backward())
    grads = {"X": dX}
    for k, layer in enumerate(linear_layers(net), start=1):
        grads[f"W{k}"] = layer.dW
        grads[f"b{k}"] = layer.db
    return loss, grads


def train_mlp(X, y, params, steps, lr):
    """`steps` steps of full-batch gradient descent, W <- W - lr * dW for every parameter.

    Returns (losses, trained): losses[t] is the loss at the start of step t (so
    losses[0] is the loss of the given params); trained holds the parameters after
    the last step. The caller's arrays are never modified: the network trains copies.
    """
    trained = {name: value.copy() for name, value in params.items()}
    net = build_mlp(trained)
    head = SoftmaxCrossEntropy()
    losses = []
    for _ in range(steps):
        losses.append(head.forward(net.forward(X), y))
        net.backward(head.backward())  # every backward overwrites dW and db: nothing accumulates
        for layer in linear_layers(net):
            # In place, so the arrays in `trained` (the ones the layers hold) move too.
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
    return losses, trained
