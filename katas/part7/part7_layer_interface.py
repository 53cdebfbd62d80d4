"""Part 7: a reusable Layer interface, stacked into N layers.

"Your two-layer MLP works. Now make it reusable: give every layer the same
forward/backward interface, so that a network of any depth is a list of layers."

    X [B, n0] -> Linear(W1, b1) -> ReLU -> Linear(W2, b2) -> ReLU -> ... -> Linear(WL, bL)
              -> logits [B, nL] -> softmax cross-entropy, mean over B -> loss

Implement the four classes, then the two functions at the bottom: the grader
calls those, and they build the network out of your classes.

Rules: NumPy only; float32 in gives float32 out; never modify the arrays you are
given (train_mlp trains copies).
"""
import numpy as np


class Linear:
    """Z = x @ W + b, for x [B, n_in], W [n_in, n_out], b [n_out] -> Z [B, n_out]."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        """Return Z [B, n_out]; remember x, which backward needs for dW."""
        raise NotImplementedError("Linear.forward")

    def backward(self, grad):
        """grad = dloss/dZ [B, n_out]. Store self.dW [n_in, n_out] and self.db [n_out];
        return dx = dloss/dx [B, n_in]."""
        raise NotImplementedError("Linear.backward")


class ReLU:
    """out = max(x, 0), elementwise. Gradient 0 at exactly x = 0 (PyTorch's choice)."""

    def forward(self, x):
        """Return max(x, 0); remember where x > 0."""
        raise NotImplementedError("ReLU.forward")

    def backward(self, grad):
        """grad = dloss/dout; return dloss/dx, the shape of x."""
        raise NotImplementedError("ReLU.backward")


class Sequential:
    """A list of layers run one after the other."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        """Each layer's output is the next layer's input; return the last output."""
        raise NotImplementedError("Sequential.forward")

    def backward(self, grad):
        """grad = dloss/d(last output). Run every layer's backward and return
        dloss/d(first input)."""
        raise NotImplementedError("Sequential.backward")


class SoftmaxCrossEntropy:
    """Mean softmax cross-entropy over the batch."""

    def forward(self, logits, y):
        """logits [B, C], y [B] int64 class indices. Return the loss, a scalar."""
        raise NotImplementedError("SoftmaxCrossEntropy.forward")

    def backward(self):
        """Return dloss/dlogits [B, C] for the last forward call."""
        raise NotImplementedError("SoftmaxCrossEntropy.backward")


def mlp_gradients(X, y, params):
    """One forward and one backward pass through the network built from params.

    Inputs:
    - X: np.ndarray (B, n0), float32 or float64.
    - y: np.ndarray (B,), int64 class indices in [0, nL).
    - params: dict with "W1" (n0, n1), "b1" (n1,), "W2" (n1, n2), "b2" (n2,), ...,
      "WL" (n_{L-1}, nL), "bL" (nL,), all of X's dtype. L = len(params) // 2 >= 1
      Linear layers, with a ReLU between each two of them.

    Returns (loss, grads):
    - loss: the mean cross-entropy, a scalar.
    - grads: dict with the keys of params plus "X", each the gradient of the loss
      with respect to that tensor, with its shape and dtype.
    """
    raise NotImplementedError("mlp_gradients: build the layers from params, run forward and backward")


def train_mlp(X, y, params, steps, lr):
    """`steps` steps of full-batch gradient descent: W <- W - lr * dW, b <- b - lr * db.

    Returns (losses, trained):
    - losses: a list of `steps` numbers; losses[t] is the loss at the start of step t
      (losses[0] is the loss of the given params).
    - trained: dict with the keys of params, the parameters after the last step.
    The caller's params are left unchanged: train copies.
    """
    raise NotImplementedError("train_mlp: copy params, build the layers once, then loop")
