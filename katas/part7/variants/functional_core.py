"""A functional core: pure forward/backward functions that return and take explicit caches, CS231n style.

The drivers run the network as a list of (forward, backward, params) entries and
keep the caches in a list; the classes are thin wrappers over the same functions.
Correct: each cache is the value a forward call returned, so nothing is shared
between layers and nothing survives a call.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(x, W, b):
    return x @ W + b, (x, W)


def linear_backward(grad, cache):
    x, W = cache
    return grad @ W.T, x.T @ grad, grad.sum(axis=0)


def relu_forward(x):
    return np.maximum(x, 0), x > 0


def relu_backward(grad, mask):
    return np.where(mask, grad, 0)


def softmax_ce_forward(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(y)), y].mean(), (np.exp(log_probs), y)


def softmax_ce_backward(cache):
    probs, y = cache
    d = probs.copy()
    d[np.arange(len(y)), y] -= 1
    return d / len(y)


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        out, self.cache = linear_forward(x, self.W, self.b)
        return out

    def backward(self, grad):
        dx, self.dW, self.db = linear_backward(grad, self.cache)
        return dx


class ReLU:
    def forward(self, x):
        out, self.cache = relu_forward(x)
        return out

    def backward(self, grad):
        return relu_backward(grad, self.cache)


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in self.layers[::-1]:
            grad = layer.backward(grad)
        return grad


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        loss, self.cache = softmax_ce_forward(logits, y)
        return loss

    def backward(self):
        return softmax_ce_backward(self.cache)


def run(X, y, params):
    """Loss and gradients from the pure functions, caches in a list."""
    L = len(params) // 2
    caches, h = [], X
    for k in range(1, L + 1):
        h, cache = linear_forward(h, params[f"W{k}"], params[f"b{k}"])
        caches.append(("linear", k, cache))
        if k < L:
            h, mask = relu_forward(h)
            caches.append(("relu", k, mask))
    loss, head = softmax_ce_forward(h, y)
    grad, grads = softmax_ce_backward(head), {}
    for kind, k, cache in reversed(caches):
        if kind == "linear":
            grad, grads[f"W{k}"], grads[f"b{k}"] = linear_backward(grad, cache)
        else:
            grad = relu_backward(grad, cache)
    grads["X"] = grad
    return loss, grads


def mlp_gradients(X, y, params):
    return run(X, y, params)


def train_mlp(X, y, params, steps, lr):
    losses = []
    for _ in range(steps):
        loss, grads = run(X, y, params)
        losses.append(loss)
        params = {k: v - lr * grads[k] for k, v in params.items()}  # new arrays every step
    return losses, params
