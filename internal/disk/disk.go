// Package disk measures the file system that holds the footage root.
package disk

// Usage is the size of a file system in bytes. Free is what an unprivileged
// writer such as cctvd can still use (statfs's f_bavail), not f_bfree.
type Usage struct {
	Total, Used, Free uint64
}
