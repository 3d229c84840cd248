// Package heal is the self-heal engine of one replica set: it makes the
// bricks of the set identical again after some of them missed changes,
// following the changelog the replication layer (mount/afr) keeps on every
// inode. The client (heal on lookup, through Queue), the self-heal daemon
// and `mortar heal` all drive the same Engine.
//
// The contract, for every heal:
//   - Who is right is decided by the changelog only: afr.NewMatrix and
//     afr.Analyze give the sources and sinks of one kind (data, metadata,
//     entry) of one inode. Nothing is healed without a source. Split-brain
//     is reported and left alone unless Options.Policy or Resolve picks a
//     source. When every brick accuses itself (AllFools) the content picks
//     one: data the biggest file, then the latest mtime, then brick order;
//     metadata the latest ctime; entries are merged conservatively (missing
//     entries are created everywhere, nothing is deleted).
//   - A heal takes the locks of the afr transactions (locks.go: an inodelk
//     over the whole file in the data or metadata domain, an entrylk over
//     the whole directory in the entry domain) on every connected brick, in
//     set order, reads the counters under them, heals, and subtracts exactly
//     the counts it read (Xattrop with negative deltas), so that marks made
//     meanwhile by others are never lost. Bricks that are down, or do not
//     have the inode, take no part: their accusations stay.
//   - Data heal compares SHA-256 checksums of chunks (Options.ChunkSize) on
//     the source and the sink and copies only the chunks that differ; holes
//     of the source are kept as holes on the sink; an arbiter's data is
//     never touched. Metadata heal copies mode, owner, atime and mtime and
//     the user., security., trusted. (but trusted.mortar.) and POSIX ACL
//     extended attributes, removing extra ones. Entry heal creates missing
//     entries on the sinks with the source's gfid, type, mode and owner
//     (hard links as links, symlinks with their target), removes entries the
//     sources no longer have, and replaces a sink's entry whose gfid differs
//     from the source's. An inode it creates is first marked on the sources
//     as missed by the sink, so that a heal interrupted at any point is
//     resumed from the dirty index, and is then healed in the same call.
//   - Heals are idempotent: a second heal of the same state copies nothing
//     and changes nothing.
//
// The engine owns its worker goroutines (Start, Close); every blocking call
// takes a context. See docs/self-heal.md for the decisions.
package heal
