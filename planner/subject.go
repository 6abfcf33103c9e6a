package planner

import (
	"strconv"
	"strings"
)

const partitionToken = "{partition}"

// expandPartition replaces {partition} in subject with p. With one
// partition and no token, the subject is used as is.
func expandPartition(subject string, partitions, p int) string {
	if !strings.Contains(subject, partitionToken) {
		return subject
	}
	return strings.ReplaceAll(subject, partitionToken, strconv.Itoa(p))
}
