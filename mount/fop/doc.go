// Package fop defines the volume operations on gfids that every layer of the
// client stack implements: fusefs calls them, dht and afr implement and
// forward them, and the brick client ends the chain with gRPC calls.
//
// The contract, for every implementation:
//   - Inodes are addressed by Gfid, entries by (parent Gfid, one name).
//   - Errors are Go errors that wrap a syscall.Errno where one applies
//     (errors.As finds it); anything else is reported to the kernel as EIO
//     by fusefs. Layers add context with %w and never invent ENOSYS.
//   - Every call takes the caller's context; cancellation means the kernel
//     interrupted the request, and the call returns promptly with EINTR.
//   - Open files and directories are objects (File, Dir) that each layer
//     wraps: state that belongs to an open file lives in its File.
package fop
