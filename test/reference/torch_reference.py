#!/usr/bin/env python3
"""Independent reference numbers from PyTorch (float64) for the engine's tests.

Builds small MLPs from explicit weights, trains them with torch.autograd and torch.optim
(SGD, momentum, Nesterov, RMSprop, Adam, AdamW, weight decay), torch.nn.utils clipping,
BatchNorm1d in training mode and residual connections, and writes every mini-batch's loss and
the parameters after every update to test/fixtures/torch-reference.json.

The tests only read the JSON; regenerate it with Debian's python3-torch:
    /usr/bin/python3 test/reference/torch_reference.py
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky-relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "linear": lambda z: z,
}


def make_case(name, sizes, acts, loss, opt, training=None, batch_norm=None, residual=None, n=8, seed=0):
    rng = np.random.default_rng(seed)
    training = {"batchSize": 4, "epochs": 2, **(training or {})}
    batch_norm = batch_norm or [False] * (len(sizes) - 1)
    residual = residual or [False] * (len(sizes) - 1)
    layers = []
    for i in range(1, len(sizes)):
        w = rng.uniform(-0.8, 0.8, size=(sizes[i], sizes[i - 1]))
        b = rng.uniform(-0.3, 0.3, size=sizes[i])
        layers.append({"size": sizes[i], "activation": acts[i - 1], "weights": w.tolist(), "biases": b.tolist(),
                       "batchNorm": batch_norm[i - 1], "residual": residual[i - 1]})
    x = rng.uniform(-1, 1, size=(n, sizes[0]))
    out = sizes[-1]
    if loss == "cross-entropy":
        labels = rng.integers(0, out, size=n)
        y = np.eye(out)[labels]
    elif loss == "binary-cross-entropy":
        y = rng.integers(0, 2, size=(n, out)).astype(float)
    else:
        y = rng.uniform(0, 1, size=(n, out))

    params = []
    bn = []
    for l in layers:
        W = torch.tensor(l["weights"], requires_grad=True)
        b = torch.tensor(l["biases"], requires_grad=True)
        params += [W, b]
        if l["batchNorm"]:
            m = torch.nn.BatchNorm1d(l["size"], momentum=0.1, eps=1e-5).double()
            m.train()
            bn.append(m)
            params += [m.weight, m.bias]
        else:
            bn.append(None)
    train_biases = training.get("trainBiases", True)
    trained = list(params)
    if not train_biases:
        bias_ids = set()
        k = 0
        for l in layers:
            bias_ids.add(id(params[k + 1]))
            k += 4 if l["batchNorm"] else 2
        trained = [p for p in params if id(p) not in bias_ids]
        for p in params:
            if id(p) in bias_ids:
                p.requires_grad_(False)

    t = opt["type"]
    lr = opt["learningRate"]
    wd = opt.get("weightDecay", 0.0)
    if t in ("sgd", "momentum", "nesterov"):
        mom = opt.get("momentum", 0.9 if t != "sgd" else 0.0)
        o = torch.optim.SGD(trained, lr=lr, momentum=mom, dampening=opt.get("dampening", 0.0), nesterov=(t == "nesterov"), weight_decay=wd)
    elif t == "rmsprop":
        o = torch.optim.RMSprop(trained, lr=lr, alpha=opt.get("alpha", 0.99), eps=opt.get("epsilon", 1e-8), momentum=opt.get("momentum", 0.0), weight_decay=wd)
    elif t == "adam":
        o = torch.optim.Adam(trained, lr=lr, betas=(opt.get("beta1", 0.9), opt.get("beta2", 0.999)), eps=opt.get("epsilon", 1e-8), weight_decay=wd)
    elif t == "adamw":
        o = torch.optim.AdamW(trained, lr=lr, betas=(opt.get("beta1", 0.9), opt.get("beta2", 0.999)), eps=opt.get("epsilon", 1e-8), weight_decay=opt.get("weightDecay", 0.01))
    else:
        raise ValueError(t)

    X = torch.tensor(x)
    Y = torch.tensor(y)
    B = training["batchSize"]
    losses = []
    snapshots = []
    for _epoch in range(training["epochs"]):
        for s in range(0, n, B):
            xb, yb = X[s:s + B], Y[s:s + B]
            a = xb
            k = 0
            for i, l in enumerate(layers):
                W, b = params[k], params[k + 1]
                k += 4 if l["batchNorm"] else 2
                z = a @ W.T + b
                if bn[i] is not None:
                    z = bn[i](z)
                if l["activation"] == "softmax":
                    logits = z
                    h = torch.softmax(z, dim=1)
                else:
                    logits = z
                    h = ACT[l["activation"]](z)
                if l["residual"]:
                    h = h + a
                a = h
            if loss == "mse":
                c = 0.5 * ((a - yb) ** 2).sum(dim=1).mean()
            elif loss == "cross-entropy":
                c = -(yb * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
            else:
                c = torch.nn.functional.binary_cross_entropy_with_logits(logits, yb, reduction="none").sum(dim=1).mean()
            o.zero_grad()
            c.backward()
            if training.get("clipValue") is not None:
                torch.nn.utils.clip_grad_value_(trained, training["clipValue"])
            if training.get("clipNorm") is not None:
                torch.nn.utils.clip_grad_norm_(trained, training["clipNorm"])
            o.step()
            losses.append(c.item())
            snap = []
            k = 0
            for i, l in enumerate(layers):
                entry = {"weights": params[k].detach().tolist(), "biases": params[k + 1].detach().tolist()}
                if l["batchNorm"]:
                    entry["gamma"] = params[k + 2].detach().tolist()
                    entry["beta"] = params[k + 3].detach().tolist()
                    entry["runningMean"] = bn[i].running_mean.tolist()
                    entry["runningVar"] = bn[i].running_var.tolist()
                k += 4 if l["batchNorm"] else 2
                snap.append(entry)
            snapshots.append(snap)
    return {
        "name": name,
        "inputSize": sizes[0],
        "layers": layers,
        "loss": loss,
        "optimizer": opt,
        "training": training,
        "data": {"inputs": x.tolist(), "targets": y.tolist()},
        "losses": losses,
        "parameters": snapshots,
    }


def main():
    cases = []
    opts = [
        {"type": "sgd", "learningRate": 0.5},
        {"type": "sgd", "learningRate": 0.3, "momentum": 0.8, "dampening": 0.1},
        {"type": "momentum", "learningRate": 0.2, "momentum": 0.9},
        {"type": "nesterov", "learningRate": 0.2, "momentum": 0.9},
        {"type": "rmsprop", "learningRate": 0.01},
        {"type": "rmsprop", "learningRate": 0.01, "momentum": 0.5, "alpha": 0.9},
        {"type": "adam", "learningRate": 0.05},
        {"type": "adam", "learningRate": 0.05, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
        {"type": "adamw", "learningRate": 0.05, "weightDecay": 0.1},
    ]
    for i, opt in enumerate(opts):
        for wd in ([0.0, 0.05] if opt["type"] != "adamw" else [0.1]):
            o = dict(opt)
            if opt["type"] != "adamw":
                o["weightDecay"] = wd
            cases.append(make_case(f"{opt['type']}#{i} wd={wd} tanh/softmax/CE", [3, 4, 3], ["tanh", "softmax"], "cross-entropy", o, seed=i))
    cases.append(make_case("sigmoid/sigmoid MSE sgd", [2, 3, 2], ["sigmoid", "sigmoid"], "mse", {"type": "sgd", "learningRate": 0.5}, seed=20))
    cases.append(make_case("relu/linear MSE adam", [3, 5, 2], ["relu", "linear"], "mse", {"type": "adam", "learningRate": 0.02}, seed=21))
    cases.append(make_case("leaky-relu/sigmoid BCE momentum", [3, 4, 2], ["leaky-relu", "sigmoid"], "binary-cross-entropy", {"type": "momentum", "learningRate": 0.1, "momentum": 0.9}, seed=22))
    cases.append(make_case("tanh/tanh/softmax CE rmsprop batch 3 (partial batches)", [4, 5, 4, 3], ["tanh", "tanh", "softmax"], "cross-entropy", {"type": "rmsprop", "learningRate": 0.01}, training={"batchSize": 3, "epochs": 3}, n=8, seed=23))
    cases.append(make_case("clipNorm sgd", [3, 4, 3], ["sigmoid", "softmax"], "cross-entropy", {"type": "sgd", "learningRate": 1.0}, training={"clipNorm": 0.05}, seed=24))
    cases.append(make_case("clipValue sgd", [3, 4, 3], ["sigmoid", "softmax"], "cross-entropy", {"type": "sgd", "learningRate": 1.0}, training={"clipValue": 0.01}, seed=25))
    cases.append(make_case("batch norm hidden, adam", [3, 4, 3], ["relu", "softmax"], "cross-entropy", {"type": "adam", "learningRate": 0.05}, batch_norm=[True, False], seed=26))
    cases.append(make_case("batch norm on two layers, sgd, MSE", [3, 4, 2], ["tanh", "sigmoid"], "mse", {"type": "sgd", "learningRate": 0.3}, batch_norm=[True, True], seed=27))
    cases.append(make_case("residual hidden, sgd", [3, 3, 3, 2], ["tanh", "tanh", "softmax"], "cross-entropy", {"type": "sgd", "learningRate": 0.5}, residual=[False, True, False], seed=28))
    cases.append(make_case("biases fixed, momentum", [3, 4, 2], ["sigmoid", "sigmoid"], "mse", {"type": "momentum", "learningRate": 0.5, "momentum": 0.9}, training={"trainBiases": False}, seed=29))
    out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "torch-reference.json")
    with open(out, "w") as f:
        json.dump({"generator": f"test/reference/torch_reference.py with torch {torch.__version__}", "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
