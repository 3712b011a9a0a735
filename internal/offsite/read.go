package offsite

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Stat returns the server's size and checksum of a camera's day's file;
// the error wraps ErrNotFound when there is none.
func (b *Bucket) Stat(ctx context.Context, camera, date, name string) (Object, error) {
	o, err := b.head(ctx, b.target.Key(camera, date, name))
	if err != nil {
		return Object{}, fmt.Errorf("off-site stat: %w", err)
	}
	o.Name = name
	return o, nil
}

func (b *Bucket) head(ctx context.Context, key string) (Object, error) {
	var out *s3.HeadObjectOutput
	err := b.do(ctx, "head "+key, func(ctx context.Context) error {
		var err error
		out, err = b.client.HeadObject(ctx, &s3.HeadObjectInput{
			Bucket:       aws.String(b.target.Bucket),
			Key:          aws.String(key),
			ChecksumMode: types.ChecksumModeEnabled,
		})
		return err
	})
	if err != nil {
		return Object{}, err
	}
	o := Object{Key: key, Size: aws.ToInt64(out.ContentLength), SHA256: aws.ToString(out.ChecksumSHA256)}
	if i := strings.LastIndexByte(o.SHA256, '-'); i >= 0 {
		fmt.Sscan(o.SHA256[i+1:], &o.Parts)
	}
	return o, nil
}
