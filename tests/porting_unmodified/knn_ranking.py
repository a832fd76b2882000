# A k-nearest-neighbour classifier and a retrieval evaluation: cdist, topk, argsort, mode,
# equal, allclose, recall@k and mean reciprocal rank.
import numpy as np
import torch

rng = np.random.RandomState(0)
centers = rng.randn(4, 5) * 2.0
train_labels = torch.tensor(rng.randint(0, 4, size=120))
test_labels = torch.tensor(rng.randint(0, 4, size=40))
train_x = torch.tensor(centers[train_labels.numpy()] + rng.randn(120, 5), dtype=torch.float32)
test_x = torch.tensor(centers[test_labels.numpy()] + rng.randn(40, 5), dtype=torch.float32)

distances = torch.cdist(test_x, train_x)                       # (40, 120), p=2
print("distance stats", f"{distances.min().item():.4f}", f"{distances.mean().item():.4f}",
      f"{distances.max().item():.4f}")
for k in (1, 5, 9):
    nearest = distances.topk(k, dim=1, largest=False)
    votes = train_labels[nearest.indices]                     # (40, k)
    predicted = votes.mode(dim=1).values
    accuracy = (predicted == test_labels).float().mean().item()
    print(f"k={k} accuracy {accuracy:.4f} mean neighbour distance {nearest.values.mean().item():.4f}")

# the same neighbours through a full sort
order = torch.argsort(distances, dim=1)
top5 = distances.topk(5, dim=1, largest=False, sorted=True).indices
print("argsort agrees with topk:", torch.equal(order[:, :5], top5))
sorted_distances, _ = torch.sort(distances, dim=1)
print("sorted rows allclose to gathered:", torch.allclose(sorted_distances, distances.gather(1, order)))

# retrieval: a query's relevant items are the training points of its class
relevant = test_labels[:, None] == train_labels[None, :]      # (40, 120)
ranked_relevance = relevant.gather(1, order)
for k in (1, 10):
    hits = ranked_relevance[:, :k].float().sum(dim=1)
    recall = (hits / relevant.float().sum(dim=1)).mean().item()
    precision = (hits / k).mean().item()
    print(f"recall@{k} {recall:.4f} precision@{k} {precision:.4f}")
first_hit = ranked_relevance.float().argmax(dim=1)
print(f"mean reciprocal rank {(1.0 / (first_hit.float() + 1)).mean().item():.4f}")

# cosine similarity ranking and a manhattan-distance kNN
normalized = torch.nn.functional.normalize(train_x, dim=1)
similarity = torch.nn.functional.normalize(test_x, dim=1) @ normalized.T
best = similarity.argmax(dim=1)
print(f"cosine 1-NN accuracy {(train_labels[best] == test_labels).float().mean().item():.4f}")
l1 = torch.cdist(test_x, train_x, p=1)
print(f"L1 1-NN accuracy {(train_labels[l1.argmin(dim=1)] == test_labels).float().mean().item():.4f}")
print("equal on different tensors:", torch.equal(test_x, test_x + 1e-3),
      "allclose with atol:", torch.allclose(test_x, test_x + 1e-3, atol=1e-2))
