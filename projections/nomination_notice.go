package projections

import "github.com/econf/econf/domain/nomination"

// The public notice's events (domain/nomination/notice.go) in a
// nomination file's approval log.
func init() {
	nominationActions[nomination.EventNoticePublished] = [2]string{"list put on public notice", "推荐名单公示"}
	nominationActions[nomination.EventObjectionRecorded] = [2]string{"objection recorded", "记录公示异议"}
	nominationActions[nomination.EventObjectionHandled] = [2]string{"objection handled", "处理公示异议"}
}
