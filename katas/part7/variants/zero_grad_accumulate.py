"""Gradients accumulate with += as in PyTorch, and zero_grad() clears them before every backward pass.

Correct: the buffers start at zero on every step, so each step uses exactly
that step's gradient (the mistake it resembles never resets them).
"""
import numpy as np

KATA_EXPECT = {"passes": True}


class Layer:
    def parameters(self):
        return []

    def zero_grad(self):
        for _, grad in self.parameters():
            grad[...] = 0


class Linear(Layer):
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW, self.db = np.zeros_like(W), np.zeros_like(b)

    def parameters(self):
        return [(self.W, self.dW), (self.b, self.db)]

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW += self.x.T @ grad
        self.db += grad.sum(axis=0)
        return grad @ self.W.T


class ReLU(Layer):
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def backward(self, grad):
        return grad * (self.x > 0)


class Sequential(Layer):
    def __init__(self, layers):
        self.layers = list(layers)

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs, self.y = np.exp(log_probs), y
        return -log_probs[np.arange(len(y)), y].mean()

    def backward(self):
        grad = self.probs.copy()
        grad[np.arange(len(self.y)), self.y] -= 1
        return grad / len(self.y)


def build(params):
    layers = []
    for k in range(1, len(params) // 2 + 1):
        layers += ([ReLU()] if k > 1 else []) + [Linear(params[f"W{k}"], params[f"b{k}"])]
    return Sequential(layers)


def mlp_gradients(X, y, params):
    net, head = build(params), SoftmaxCrossEntropy()
    net.zero_grad()
    loss = head.forward(net.forward(X), y)
    dX = net.backward(head.backward())
    grads = {"X": dX}
    for i, (_, grad) in enumerate(net.parameters()):
        grads[("W" if i % 2 == 0 else "b") + str(i // 2 + 1)] = grad
    return loss, grads


def train_mlp(X, y, params, steps, lr):
    trained = {k: v.copy() for k, v in params.items()}
    net, head = build(trained), SoftmaxCrossEntropy()
    losses = []
    for _ in range(steps):
        net.zero_grad()
        losses.append(head.forward(net.forward(X), y))
        net.backward(head.backward())
        for param, grad in net.parameters():
            param -= lr * grad
    return losses, trained
