"""Each Linear copies its parameters when built and is updated out of place (layer.W = layer.W - lr * dW); train reads the result back from the layers.

Correct: the caller's arrays are never touched (the layers own copies), and the
update is assigned to the attribute forward reads, so the network sees it. The
loss comes back as a Python float.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


class Linear:
    def __init__(self, W, b):
        self.W = np.array(W)
        self.b = np.array(b)

    def forward(self, x):
        self._x = x
        return np.einsum("bi,io->bo", x, self.W) + self.b

    def backward(self, grad):
        self.dW = np.einsum("bi,bo->io", self._x, grad)
        self.db = np.einsum("bo->o", grad)
        return np.einsum("bo,io->bi", grad, self.W)


class ReLU:
    def forward(self, x):
        self._positive = x > 0
        return np.maximum(x, np.zeros((), dtype=x.dtype))

    def backward(self, grad):
        return np.where(self._positive, grad, np.zeros((), dtype=grad.dtype))


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def backward(self, grad):
        for index in reversed(range(len(self.layers))):
            grad = self.layers[index].backward(grad)
        return grad

    def linears(self):
        return [layer for layer in self.layers if isinstance(layer, Linear)]


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        self.y = y
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        log_z = np.log(np.sum(np.exp(shifted), axis=1))
        self.probs = np.exp(shifted - log_z[:, None])
        return float(np.mean(log_z - np.take_along_axis(shifted, y[:, None], axis=1)[:, 0]))

    def backward(self):
        grad = self.probs.copy()
        np.subtract.at(grad, (np.arange(len(self.y)), self.y), 1)
        return grad / len(self.y)


def network(params):
    n = len(params) // 2
    layers = []
    for k in range(1, n + 1):
        layers.append(Linear(params[f"W{k}"], params[f"b{k}"]))
        if k != n:
            layers.append(ReLU())
    return Sequential(layers)


def mlp_gradients(X, y, params):
    net = network(params)
    head = SoftmaxCrossEntropy()
    loss = head.forward(net.forward(X), y)
    grads = {"X": net.backward(head.backward())}
    for k, layer in enumerate(net.linears(), start=1):
        grads.update({f"W{k}": layer.dW, f"b{k}": layer.db})
    return loss, grads


def train_mlp(X, y, params, steps, lr):
    net, head = network(params), SoftmaxCrossEntropy()
    losses = []
    for _ in range(steps):
        losses.append(head.forward(net.forward(X), y))
        net.backward(head.backward())
        for layer in net.linears():
            layer.W = layer.W - lr * layer.dW
            layer.b = layer.b - lr * layer.db
    trained = {}
    for k, layer in enumerate(net.linears(), start=1):
        trained.update({f"W{k}": layer.W, f"b{k}": layer.b})
    return losses, trained
