// Package faulty wraps a fop.Brick to inject faults, for tests of the
// layers above the brick client (replication, heal): errors, delays and
// hangs chosen by operation name, by a predicate on the operation (its
// gfid, entry name, offsets, changelog deltas), by count and by
// probability, and a switch that makes the brick look disconnected.
// It also counts the operations that reach the brick, so tests can check
// how many round trips a layer makes. pebble's vfs/errorfs is the model.
//
// A Rule is consulted for every operation, in the order rules were added;
// the first rule that fires decides. Open files and directories returned
// by the wrapper are wrapped too, so reads, writes, flushes, locks and
// readdir are subject to the same rules.
//
//	fb := faulty.Wrap(brick)
//	fb.Inject(faulty.Rule{Ops: []string{faulty.OpWrite}, Err: syscall.ENOSPC, Times: 1})
//	fb.SetDown(true) // Connected() false, every call ENOTCONN
//	n := fb.Count(faulty.OpWrite)
package faulty
