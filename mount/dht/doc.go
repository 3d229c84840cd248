// Package dht is the distribution layer of the client stack: it spreads the
// entries of one volume over its replica sets (DESIGN.md, Distribution).
//
// # Placement
//
// Every directory exists on every set, with the same gfid. A file lives on
// one set: the hashed set of its entry, layout.Table.SetOf(parent gfid,
// name), unless a rename or a hard link gave it a name that hashes
// elsewhere. Then the hashed set of that name holds a linkto pointer file
// (same gfid, no data) naming the set with the data. Lookups follow
// linkto files; no layer above dht ever sees one.
//
// Linkto files are made through the linktoMaker interface, which the set
// volumes must implement (mount/client.Brick does; the replication layer
// forwards it), because fop.NewInode has no field for a linkto.
//
// # Locations
//
// dht remembers, in a bounded cache, which set holds the file of a gfid
// (learned at lookup, create and readdir; a directory is on every set).
// An operation by gfid on a file it does not know asks every set in
// parallel and takes the one whose entry is not a linkto.
//
// # Directories
//
// A directory's attributes are those of its hashed set (its "reference"
// set; set 0 when the directory was found by gfid alone), with atime,
// mtime and ctime the newest over all sets. Changes go to the reference
// set first and, when it succeeds, to the others in parallel. A lookup
// that finds a directory missing on some set creates it there with the
// same gfid, mode and owner (directory self-heal).
//
// Readdir lists directories from one set (the first that opens) and the
// files of every set, hiding linkto files, so that every entry is listed
// exactly once. Its cookies are positions in that merged stream.
//
// # Not yet
//
// The placement table is fixed: a miss on the hashed set is ENOENT (the
// rebalance issue adds the lookup on the bucket's previous set).
package dht
