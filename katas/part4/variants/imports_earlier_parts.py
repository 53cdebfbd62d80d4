"""The MLP assembled from the learner's own earlier parts (from part1_softmax_ce import ... etc.).

Correct, and the natural way to build part4 in a workspace. It only loads next
to part1_softmax_ce.py, part2_linear_backward.py and part3_relu_backward.py,
so KATA_EXPECT["needs"] names the katas whose reference files must sit beside
it when it is graded.
"""
from part1_softmax_ce import softmax_cross_entropy, softmax_cross_entropy_backward
from part2_linear_backward import linear_backward, linear_forward
from part3_relu_backward import relu_backward, relu_forward

KATA_EXPECT = {"passes": True, "needs": ["part1", "part2", "part3"]}


def mlp_forward(X, y, params):
    Z1 = linear_forward(X, params["W1"], params["b1"])
    H1 = relu_forward(Z1)
    Z2 = linear_forward(H1, params["W2"], params["b2"])
    loss, probs = softmax_cross_entropy(Z2, y)
    cache = {"X": X, "y": y, "W1": params["W1"], "W2": params["W2"], "Z1": Z1, "H1": H1, "probs": probs}
    return loss, cache


def mlp_backward(cache):
    dZ2 = softmax_cross_entropy_backward(cache["probs"], cache["y"])
    dH1, dW2, db2 = linear_backward(dZ2, cache["H1"], cache["W2"])
    dZ1 = relu_backward(dH1, cache["Z1"])
    dX, dW1, db1 = linear_backward(dZ1, cache["X"], cache["W1"])
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
