"""Every layer a dataclass: parameters as fields, the forward cache and the gradients as fields defaulting to None.

Correct: a dataclass field with default None is set per instance (nothing
mutable is shared between instances), so each Linear keeps its own input.
"""
from dataclasses import dataclass, field

import numpy as np

KATA_EXPECT = {"passes": True}


@dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray
    x: np.ndarray | None = field(default=None, repr=False)
    dW: np.ndarray | None = field(default=None, repr=False)
    db: np.ndarray | None = field(default=None, repr=False)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T


@dataclass
class ReLU:
    mask: np.ndarray | None = field(default=None, repr=False)

    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0)

    def backward(self, grad):
        return np.where(self.mask, grad, 0)


@dataclass
class Sequential:
    layers: list = field(default_factory=list)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad)
        return grad

    def linears(self):
        return [layer for layer in self.layers if isinstance(layer, Linear)]


@dataclass
class SoftmaxCrossEntropy:
    probs: np.ndarray | None = field(default=None, repr=False)
    y: np.ndarray | None = field(default=None, repr=False)

    def forward(self, logits, y):
        z = logits - logits.max(axis=1, keepdims=True)
        lse = np.log(np.sum(np.exp(z), axis=1))
        self.probs, self.y = np.exp(z - lse[:, None]), y
        return np.mean(lse - z[np.arange(len(y)), y])

    def backward(self):
        B, C = self.probs.shape
        return (self.probs - np.eye(C, dtype=self.probs.dtype)[self.y]) / B


def build(params):
    L = len(params) // 2
    layers = [Linear(params["W1"], params["b1"])]
    for k in range(2, L + 1):
        layers += [ReLU(), Linear(params[f"W{k}"], params[f"b{k}"])]
    return Sequential(layers)


def mlp_gradients(X, y, params):
    net, head = build(params), SoftmaxCrossEntropy()
    loss = head.forward(net.forward(X), y)
    dX = net.backward(head.backward())
    grads = {}
    for k, layer in enumerate(net.linears(), start=1):
        grads[f"W{k}"], grads[f"b{k}"] = layer.dW, layer.db
    grads["X"] = dX
    return loss, grads


def train_mlp(X, y, params, steps, lr):
    net, head = build({k: v.copy() for k, v in params.items()}), SoftmaxCrossEntropy()
    losses = []
    for _ in range(steps):
        losses.append(float(head.forward(net.forward(X), y)))
        net.backward(head.backward())
        for layer in net.linears():
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
    trained = {}
    for k, layer in enumerate(net.linears(), start=1):
        trained[f"W{k}"], trained[f"b{k}"] = layer.W, layer.b
    return losses, trained
