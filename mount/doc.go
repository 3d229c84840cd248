// Package mount owns a client mount of a volume: it builds the client stack
// from a volfile (brick clients → replica sets → dht → fusefs), mounts it,
// and parses the mount options shared by `mortar mount` and mount.mortar.
//
// The layers live in sub-packages: fop (the interface every layer
// implements), client (gRPC brick client), dht (distribution over replica
// sets), fusefs (the go-fuse file system).
package mount
