package offsitetest

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestKillRestart: a killed server answers nothing, and once restarted it
// serves what it held, at the same endpoint.
func TestKillRestart(t *testing.T) {
	s := Start(t)
	put := func() error {
		_, err := s.Client(Secret).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String("a/b"),
			Body: bytes.NewReader([]byte("kept"))})
		return err
	}
	if err := put(); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if _, err := s.Client(Secret).HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String(s.Bucket)}); err == nil {
		t.Fatal("a killed server answered")
	}
	s.Restart()
	if got := s.Object(t, "a/b"); string(got) != "kept" {
		t.Errorf("after a restart: %q", got)
	}
	if objs := s.Objects(t, "a/"); len(objs) != 1 || objs["a/b"] != 4 {
		t.Errorf("listed %v", objs)
	}
}
