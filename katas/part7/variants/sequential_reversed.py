"""Sequential.backward as a fold over reversed(self.layers); the ReLU mask multiplies; the one-hot comes from np.eye with the logits' dtype.

Correct: reversed() visits the layers last to first, grad * mask with a boolean
mask keeps grad's dtype, and the training loop records the loss as a NumPy
array at the end.
"""
from functools import reduce

import numpy as np

KATA_EXPECT = {"passes": True}


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b[None, :]

    def backward(self, grad):
        self.dW = np.dot(self.x.T, grad)
        self.db = np.add.reduce(grad, axis=0)
        return np.dot(grad, self.W.T)

    def step(self, lr):
        self.W -= lr * self.dW
        self.b -= lr * self.db


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask

    def step(self, lr):
        pass


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        return reduce(lambda h, layer: layer.forward(h), self.layers, x)

    def backward(self, grad):
        return reduce(lambda g, layer: layer.backward(g), reversed(self.layers), grad)

    def step(self, lr):
        for layer in self.layers:
            layer.step(lr)


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        m = logits.max(axis=1, keepdims=True)
        lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
        self.onehot = np.eye(logits.shape[1], dtype=logits.dtype)[y]
        self.probs = np.exp(logits - lse)
        return ((lse - logits) * self.onehot).sum() / len(y)

    def backward(self):
        return (self.probs - self.onehot) / len(self.onehot)


def layers_for(params):
    n = len(params) // 2
    for k in range(1, n + 1):
        yield Linear(params[f"W{k}"], params[f"b{k}"])
        if k < n:
            yield ReLU()


def mlp_gradients(X, y, params):
    net = Sequential(layers_for(params))
    head = SoftmaxCrossEntropy()
    loss = head.forward(net.forward(X), y)
    dX = net.backward(head.backward())
    linears = [layer for layer in net.layers if isinstance(layer, Linear)]
    grads = {name: getattr(layer, attr) for k, layer in enumerate(linears, 1)
             for name, attr in ((f"W{k}", "dW"), (f"b{k}", "db"))}
    return loss, {**grads, "X": dX}


def train_mlp(X, y, params, steps, lr):
    trained = {k: np.array(v, copy=True) for k, v in params.items()}
    net, head = Sequential(layers_for(trained)), SoftmaxCrossEntropy()
    losses = np.empty(steps, dtype=X.dtype)
    for t in range(steps):
        losses[t] = head.forward(net.forward(X), y)
        net.backward(head.backward())
        net.step(lr)
    return losses, trained
