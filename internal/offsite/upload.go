package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// LocalFile is a file of a day to upload.
type LocalFile struct {
	// Name is the key's last part: video.mp4, video.mp4.sha512sum, …
	Name string
	// Open opens the file for reading; the caller opens it through its
	// os.Root. Upload closes it.
	Open func() (*os.File, error)
}

// Upload copies a day's files into the bucket, reads each back and, when
// every one is verified, writes the day's receipt into the state folder
// and returns it. An upload interrupted by an error, a cancelled context
// or a crash resumes where the server's verified parts end.
func (b *Bucket) Upload(ctx context.Context, camera, date string, files []LocalFile) (Receipt, error) {
	if b.state == nil {
		return Receipt{}, errors.New("off-site upload: bucket opened without a state folder")
	}
	if len(files) == 0 {
		return Receipt{}, fmt.Errorf("off-site upload %s/%s: no files", camDir(camera), date)
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return Receipt{}, fmt.Errorf("off-site upload: day %q: want YYYY-MM-DD", date)
	}
	if strings.ContainsAny(camera, "/\\") || camera == "." || camera == ".." {
		return Receipt{}, fmt.Errorf("off-site upload: bad camera name %q", camera)
	}
	r := Receipt{Camera: camDir(camera), Date: date}
	for _, lf := range files {
		if lf.Name == "" || strings.ContainsAny(lf.Name, "/\\") || lf.Name == "." || lf.Name == ".." {
			return Receipt{}, fmt.Errorf("off-site upload %s/%s: bad file name %q", r.Camera, date, lf.Name)
		}
		key := b.target.Key(camera, date, lf.Name)
		o, err := b.uploadFile(ctx, uploadPath(camera, date, lf.Name), key, lf)
		if err != nil {
			return Receipt{}, fmt.Errorf("off-site upload %s: %w", key, err)
		}
		o.Name = lf.Name
		r.Objects = append(r.Objects, o)
	}
	r.VerifiedAt = b.now()
	if err := writeJSON(b.state, receiptPath(camera, date), r); err != nil {
		return Receipt{}, fmt.Errorf("off-site receipt: %w", err)
	}
	for _, lf := range files {
		if err := removeState(b.state, uploadPath(camera, date, lf.Name)); err != nil {
			b.log.Warn("off-site upload state not removed", "camera", r.Camera, "day", date, "file", lf.Name, "err", err)
		}
	}
	b.log.Info("off-site day verified", "camera", r.Camera, "day", date, "files", len(r.Objects))
	return r, nil
}

// identity is what tells a local file from another or a changed one.
type identity struct {
	size, mtime int64
	dev, ino    uint64
}

func identify(f *os.File) (identity, error) {
	fi, err := f.Stat()
	if err != nil {
		return identity{}, err
	}
	if !fi.Mode().IsRegular() {
		return identity{}, fmt.Errorf("%s is not a regular file", f.Name())
	}
	id := identity{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), uint64(st.Ino)
	}
	return id, nil
}

func (b *Bucket) uploadFile(ctx context.Context, statePath, key string, lf LocalFile) (Object, error) {
	f, err := lf.Open()
	if err != nil {
		return Object{}, err
	}
	defer f.Close()
	id, err := identify(f)
	if err != nil {
		return Object{}, err
	}
	rd := b.newIdleReader(f)
	defer rd.close()
	var o Object
	if id.size < b.cfg.PartSize {
		o, err = b.putSmall(ctx, key, rd, id)
	} else {
		o, err = b.putMultipart(ctx, statePath, key, rd, id)
	}
	if err != nil {
		return Object{}, err
	}
	// The server holds what was read; was it the file's one content?
	if now, err := identify(f); err != nil {
		return Object{}, err
	} else if now != id {
		return Object{}, ErrLocalChanged
	}
	return o, nil
}

// putSmall uploads a file smaller than a part in one PUT.
func (b *Bucket) putSmall(ctx context.Context, key string, rd *idleReader, id identity) (Object, error) {
	buf := make([]byte, id.size)
	sum, err := rd.read(0, buf)
	if err != nil {
		return Object{}, err
	}
	want := base64.StdEncoding.EncodeToString(sum[:])
	o := Object{Key: key, Size: id.size, SHA256: want}
	// Already there (a day uploaded again after a crash): verify only.
	if v, err := b.verify(ctx, o); err == nil {
		return v, nil
	}
	err = b.do(ctx, "put", func(ctx context.Context) error {
		out, err := b.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:            aws.String(b.target.Bucket),
			Key:               aws.String(key),
			Body:              &body{ctx: ctx, r: bytes.NewReader(buf), l: b.limit},
			ContentLength:     aws.Int64(id.size),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
			ChecksumSHA256:    aws.String(want),
		}, unsignedPayload)
		if err == nil && aws.ToString(out.ChecksumSHA256) != "" && aws.ToString(out.ChecksumSHA256) != want {
			return fmt.Errorf("%w: checksum %s, sent %s", ErrMismatch, aws.ToString(out.ChecksumSHA256), want)
		}
		return err
	})
	if err != nil {
		return Object{}, err
	}
	return b.verify(ctx, o)
}

// putMultipart uploads a file in parts, resuming an upload an earlier run
// left unfinished: parts the server holds with the local part's checksum
// are not sent again.
func (b *Bucket) putMultipart(ctx context.Context, statePath, key string, rd *idleReader, id identity) (Object, error) {
	partSize := b.cfg.PartSize
	n := (id.size + partSize - 1) / partSize
	if n > maxParts {
		partSize = (id.size + maxParts - 1) / maxParts
		n = (id.size + partSize - 1) / partSize
	}
	var st upload
	have := map[int32]types.Part{}
	switch err := readJSON(b.state, statePath, &st); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		b.log.Warn("off-site upload state unreadable, starting over", "key", key, "err", err)
		st = upload{}
	case st.Key != key || st.PartSize != partSize || st.Size != id.size || st.ModTime != id.mtime || st.Dev != id.dev || st.Ino != id.ino:
		b.log.Info("off-site local file changed since its upload began: aborting that upload", "key", key)
		b.abort(ctx, st)
		st = upload{}
	default:
		have, err = b.listParts(ctx, st)
		if errors.Is(err, errNoSuchUpload) {
			b.log.Info("off-site server forgot an unfinished upload, starting over", "key", key)
			st, have = upload{}, map[int32]types.Part{}
		} else if err != nil {
			return Object{}, err
		}
	}
	if st.UploadID == "" {
		// Already there (a day uploaded again, or a crash before its
		// receipt): one local read instead of an upload.
		if o, err := b.head(ctx, key); err == nil && o.Size == id.size && o.Parts == int(n) {
			if v, err := b.alreadyThere(ctx, rd, key, id.size, partSize, n); err == nil {
				return v, nil
			}
		}
		err := b.do(ctx, "create multipart upload", func(ctx context.Context) error {
			out, err := b.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
				Bucket:            aws.String(b.target.Bucket),
				Key:               aws.String(key),
				ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
				ChecksumType:      types.ChecksumTypeComposite,
			})
			if err == nil {
				st.UploadID = aws.ToString(out.UploadId)
			}
			return err
		})
		if err != nil {
			return Object{}, err
		}
		st = upload{Key: key, UploadID: st.UploadID, PartSize: partSize, Size: id.size, ModTime: id.mtime, Dev: id.dev, Ino: id.ino}
		// Before any part is sent: a crash from here on resumes this upload.
		if err := writeJSON(b.state, statePath, st); err != nil {
			return Object{}, fmt.Errorf("off-site upload state: %w", err)
		}
	}

	composite := sha256.New()
	parts := make([]types.CompletedPart, 0, n)
	// Two buffers: the next part is read while one is sent.
	bufs := [2][]byte{b.partBuf(partSize), b.partBuf(partSize)}
	part := func(i int64) []byte { return bufs[i%2][:min(partSize, id.size-i*partSize)] }
	next := rd.start(0, part(0))
	var resent, kept int
	for i := range n {
		pn := int32(i + 1)
		p := part(i)
		d := <-next
		if d.err != nil {
			return Object{}, d.err
		}
		if i+1 < n {
			next = rd.start((i+1)*partSize, part(i+1))
		}
		sum := d.sum
		composite.Write(sum[:])
		want := base64.StdEncoding.EncodeToString(sum[:])
		if hp, ok := have[pn]; ok && aws.ToString(hp.ChecksumSHA256) == want && aws.ToInt64(hp.Size) == int64(len(p)) {
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(pn), ETag: hp.ETag, ChecksumSHA256: aws.String(want)})
			kept++
			continue
		}
		if b.beforePart != nil {
			b.beforePart(key, pn)
		}
		var etag *string
		err := b.do(ctx, "upload part "+strconv.Itoa(int(pn)), func(ctx context.Context) error {
			out, err := b.client.UploadPart(ctx, &s3.UploadPartInput{
				Bucket:            aws.String(b.target.Bucket),
				Key:               aws.String(key),
				UploadId:          aws.String(st.UploadID),
				PartNumber:        aws.Int32(pn),
				Body:              &body{ctx: ctx, r: bytes.NewReader(p), l: b.limit},
				ContentLength:     aws.Int64(int64(len(p))),
				ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
				ChecksumSHA256:    aws.String(want),
			}, unsignedPayload)
			if err != nil {
				return err
			}
			if got := aws.ToString(out.ChecksumSHA256); got != "" && got != want {
				return fmt.Errorf("%w: part %d checksum %s, sent %s", ErrMismatch, pn, got, want)
			}
			etag = out.ETag
			return nil
		})
		if errors.Is(err, errNoSuchUpload) {
			// Aborted behind our back: the next run starts over.
			removeState(b.state, statePath)
		}
		if err != nil {
			return Object{}, err
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(pn), ETag: etag, ChecksumSHA256: aws.String(want)})
		resent++
	}
	b.log.Debug("off-site parts", "key", key, "sent", resent, "already_there", kept)
	// Only here, where every read is done and every part sent: a return
	// above may leave the reader filling the next part.
	b.putPartBuf(bufs[0])
	b.putPartBuf(bufs[1])

	err := b.do(ctx, "complete multipart upload", func(ctx context.Context) error {
		_, err := b.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket:          aws.String(b.target.Bucket),
			Key:             aws.String(key),
			UploadId:        aws.String(st.UploadID),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
			ChecksumType:    types.ChecksumTypeComposite,
		})
		return err
	})
	// A completion whose answer was lost looks like an unknown upload when
	// sent again: the read back below tells whether it worked.
	if err != nil && !errors.Is(err, errNoSuchUpload) {
		if ctx.Err() == nil && !errors.Is(err, ErrUnreachable) && !errors.Is(err, ErrServer) {
			// Refused (a part the server calls invalid): resuming would
			// only be refused again, so the next run starts over.
			b.abort(ctx, st)
			removeState(b.state, statePath)
		}
		return Object{}, err
	}
	o := Object{
		Key:    key,
		Size:   id.size,
		SHA256: compositeSum(composite, n),
		Parts:  int(n),
	}
	v, verr := b.verify(ctx, o)
	if verr != nil || err != nil {
		removeState(b.state, statePath) // that upload is over either way
		return Object{}, errors.Join(err, verr)
	}
	return v, nil
}

// alreadyThere reads the local file's parts and returns the object if the
// server's checksum is theirs.
func (b *Bucket) alreadyThere(ctx context.Context, rd *idleReader, key string, size, partSize, n int64) (Object, error) {
	composite := sha256.New()
	buf := b.partBuf(partSize)
	defer b.putPartBuf(buf)
	for i := range n {
		sum, err := rd.read(i*partSize, buf[:min(partSize, size-i*partSize)])
		if err != nil {
			return Object{}, err
		}
		composite.Write(sum[:])
	}
	return b.verify(ctx, Object{
		Key:    key,
		Size:   size,
		SHA256: compositeSum(composite, n),
		Parts:  int(n),
	})
}

// partBuf is a buffer of n bytes for a part, one an earlier upload used if
// there is one: a new one costs a page fault for every 4 KiB of it the
// first time it is filled (32 MiB a file with two 16 MiB parts).
func (b *Bucket) partBuf(n int64) []byte {
	if p, ok := b.parts.Get().(*[]byte); ok && int64(cap(*p)) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

// putPartBuf gives back a buffer of partBuf once nothing reads into it or
// from it any more. A part sent is no longer read once UploadPart has
// returned: the SDK closes its wrapper of the body then, which keeps the
// HTTP transport from reading on.
func (b *Bucket) putPartBuf(p []byte) {
	b.parts.Put(&p)
}

// compositeSum is S3's composite checksum of a multipart upload: the
// SHA-256 of the parts' SHA-256s, "-", the number of parts.
func compositeSum(h hash.Hash, parts int64) string {
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.FormatInt(parts, 10)
}

// listParts returns the parts the server holds of an unfinished upload.
func (b *Bucket) listParts(ctx context.Context, st upload) (map[int32]types.Part, error) {
	have := map[int32]types.Part{}
	var marker *string
	for {
		var out *s3.ListPartsOutput
		err := b.do(ctx, "list parts", func(ctx context.Context) error {
			var err error
			out, err = b.client.ListParts(ctx, &s3.ListPartsInput{
				Bucket:           aws.String(b.target.Bucket),
				Key:              aws.String(st.Key),
				UploadId:         aws.String(st.UploadID),
				PartNumberMarker: marker,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, p := range out.Parts {
			have[aws.ToInt32(p.PartNumber)] = p
		}
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextPartNumberMarker) == "" {
			return have, nil
		}
		marker = out.NextPartNumberMarker
	}
}

// abort ends an unfinished upload whose local file changed; failing that,
// the bucket's lifecycle rules (or the operator) clean it up.
func (b *Bucket) abort(ctx context.Context, st upload) {
	if st.UploadID == "" {
		return
	}
	_, err := b.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(b.target.Bucket), Key: aws.String(st.Key), UploadId: aws.String(st.UploadID),
	})
	if err != nil && code(err) != "NoSuchUpload" {
		b.log.Warn("off-site abort of a stale upload failed", "key", st.Key, "err", err)
	}
}

// verify reads an object's size and checksum back from the server and
// compares them with what was sent.
func (b *Bucket) verify(ctx context.Context, o Object) (Object, error) {
	got, err := b.head(ctx, o.Key)
	if err != nil {
		return Object{}, err
	}
	if got.Size != o.Size || got.SHA256 != o.SHA256 {
		return Object{}, fmt.Errorf("%w: server has %d bytes, checksum %q; sent %d bytes, checksum %q", ErrMismatch, got.Size, got.SHA256, o.Size, o.SHA256)
	}
	o.VerifiedAt = b.now()
	return o, nil
}

// readPart fills p from the file at off.
func readPart(f *os.File, off int64, p []byte) error {
	_, err := f.ReadAt(p, off)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", f.Name(), ErrLocalChanged) // shorter than it was
	}
	return err
}

// unsignedPayload leaves the body out of the request's signature: the
// SHA-256 in x-amz-checksum-sha256 is signed and the server checks the body
// against it (BadDigest), so signing the body too would only make the
// server hash every byte a second time.
func unsignedPayload(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}
