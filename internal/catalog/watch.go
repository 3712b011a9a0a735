package catalog

// op is what happened to a name in a watched folder.
type op uint8

const (
	opCreate   op = iota + 1 // a new name; it may still be being written
	opWrite                  // data was written
	opClosed                 // a writer closed it: complete
	opMovedIn                // renamed into the folder: complete
	opAttrib                 // metadata (the modification time) changed
	opGone                   // removed or renamed away
	opDirGone                // the watched folder itself went away
	opOverflow               // events were lost: look at everything again
	opHurry                  // not a change: scan this folder's files first (Catalog.Hurry)
)

func (o op) String() string {
	switch o {
	case opCreate:
		return "create"
	case opWrite:
		return "write"
	case opClosed:
		return "closed"
	case opMovedIn:
		return "moved-in"
	case opAttrib:
		return "attrib"
	case opGone:
		return "gone"
	case opDirGone:
		return "dir-gone"
	case opOverflow:
		return "overflow"
	case opHurry:
		return "hurry"
	}
	return "unknown"
}

// event is one change under the root. dir is "" for the root itself,
// otherwise a day folder's name.
type event struct {
	dir   string
	name  string
	isDir bool
	op    op
}

// watcher reports changes in the root and in the day folders added to it.
// Events of one folder arrive in the order they happened.
type watcher interface {
	// add watches dir ("" is the root); it never follows a symlink.
	add(dir string) error
	remove(dir string)
	events() <-chan event
	close() error
}
