// Package retention deletes the oldest archived days when the root's file
// system runs short of space or a day is older than its maximum age, and
// keeps the holds that protect days from it.
//
// The planner (plan.go) is a pure function of the days and their facts: it
// orders the days that may go, oldest first across cameras, and says for
// every other day why it stays. It never lets go of a held day, today or a
// later day, a settling day, a day with segments or files still pending, an
// archive without its checksum, a damaged day, or a camera's newest
// archive. Only archive files and their .sha512sum files are deleted; the
// segments of a day are never touched here (the archiver deletes them once
// they are in a verified archive), nor is anything else in the folder.
//
// Every deletion is recorded in STATE/ledger.jsonl before it happens
// (ledger.go). The order of durable steps of one day:
//
//	ledger: intent (camera, day, reason, each file with size and SHA-512) → fsync
//	→ remove each file through os.Root of the camera folder
//	→ fsync the day folder → remove the day folder if empty → fsync the camera folder
//	→ ledger: done → fsync
//
// A ledger that cannot be written stops deletion: nothing is deleted
// without its record. After kill -9 the day is whole, or its intent is in
// the ledger; at start-up an intent without its done record is finished
// (the files it names that are still there, with the size it names, are
// removed) unless the day has since been held, then it is abandoned and
// the files stay.
//
// Age is measured against the newest day with footage in the root, never
// the wall clock alone: the reference day is the earlier of today and that
// newest day, so a clock that boots in 1970 expires nothing and a clock a
// year ahead expires nothing the footage does not.
package retention
