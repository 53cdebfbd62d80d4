"""Linear.forward adds the bias as a column: self.b.reshape(-1, 1) has shape (n_out, 1).

(B, n_out) + (n_out, 1) lines the bias up with the batch axis, and NumPy raises a
broadcasting ValueError whenever B != n_out. The report names the column from
the exception's shapes and the line that raised.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes"], "diagnoses": ["shape-error"]}


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b.reshape(-1, 1)  # MISTAKE: a column meets the batch axis

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad):
        return np.where(self.mask, grad, 0)


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

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
        self.probs = np.exp(log_probs)
        self.y = y
        return -log_probs[np.arange(len(y)), y].mean()

    def backward(self):
        B = len(self.y)
        dlogits = self.probs.copy()
        dlogits[np.arange(B), self.y] -= 1
        return dlogits / B


def build(params):
    layers = []
    for k in range(1, len(params) // 2 + 1):
        if k > 1:
            layers.append(ReLU())
        layers.append(Linear(params[f"W{k}"], params[f"b{k}"]))
    return Sequential(layers)


def linears(net):
    return [layer for layer in net.layers if isinstance(layer, Linear)]


def mlp_gradients(X, y, params):
    net, head = build(params), SoftmaxCrossEntropy()
    loss = head.forward(net.forward(X), y)
    grads = {"X": net.backward(head.backward())}
    for k, layer in enumerate(linears(net), start=1):
        grads[f"W{k}"], grads[f"b{k}"] = layer.dW, layer.db
    return loss, grads


def train_mlp(X, y, params, steps, lr):
    params = {k: v.copy() for k, v in params.items()}
    net, head = build(params), SoftmaxCrossEntropy()
    losses = []
    for _ in range(steps):
        losses.append(head.forward(net.forward(X), y))
        net.backward(head.backward())
        for layer in linears(net):
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
    return losses, params
