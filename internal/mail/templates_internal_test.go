package mail

import (
	"strings"
	"testing"
)

// Every template renders with the data its sender gives, Chinese first.
func TestEveryTemplateRenders(t *testing.T) {
	data := map[string]string{"name": "张三", "nameZh": "某会议", "nameEn": "A Meeting", "comment": "同意", "reason": "材料不全",
		"stageZh": "单位", "stageEn": "your unit", "code": "123456", "minutes": "30"}
	for tpl := range templates {
		r, err := render(tpl, data)
		if err != nil {
			t.Errorf("%s: %v", tpl, err)
			continue
		}
		zh, en := strings.Index(r.Body, "您好"), strings.Index(r.Body, "Dear")
		if r.Subject == "" || zh < 0 || (en >= 0 && en < zh) {
			t.Errorf("%s: subject %q, Chinese at %d, English at %d", tpl, r.Subject, zh, en)
		}
	}
}
