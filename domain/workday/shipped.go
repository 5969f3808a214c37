package workday

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/6tail/lunar-go/calendar"

	"github.com/econf/econf/domain"
)

// Shipped is the calendar in force before the platform admin edits one:
// 2026 as the State Council arranged it, and 2027 provisionally, as
// lunar-go carries it, until the admin confirms its notice.
//
// Both years' days are read from github.com/6tail/lunar-go's HolidayUtil
// (a maintained package that carries each year's arrangement; v1.4.7 of 6
// November 2026 added 2027). 2026's test checks them against the notice's
// text, day by day; 2027's against the holidays act's statutory days and
// the weekday rules, day by day, as the notice's text could not be reached
// when this was shipped.
func Shipped() Calendar {
	return Calendar{Years: []Year{notice2026(), provisional2027()}}
}

// provisional2027 is 2027 as lunar-go v1.4.7 carries it: the bridging
// days and the make-up working days of the arrangement, beyond the
// statutory days. Provisional: the notice (its number, its text) is not
// checked; the platform admin enters or confirms it.
func provisional2027() Year {
	y := Year{
		Year: 2027,
		Source: Source{
			Title: "国务院办公厅关于2027年部分节假日安排的通知",
			Note: "provisional: days from github.com/6tail/lunar-go v1.4.7 HolidayUtil (its release of 2026-11-06 adds 2027), " +
				"checked day by day against the holidays act's statutory days (国务院令第795号) and the weekday rules, " +
				"not against the notice's text, which could not be reached when this was shipped; " +
				"the platform admin confirms the year with the notice's number and date",
		},
		Provisional: true,
		Holidays:    []Day{},
		Workdays:    []Day{},
	}
	fromHolidayUtil(&y)
	return y
}

func notice2026() Year {
	y := Year{
		Year: 2026,
		Source: Source{
			Title:  "国务院办公厅关于2026年部分节假日安排的通知",
			Number: "国办发明电〔2025〕7号",
			Issued: domain.Date{Year: 2025, Month: time.November, Day: 4},
			URL:    "https://www.gov.cn/zhengce/content/202511/content_7047090.htm",
			Note:   "days from github.com/6tail/lunar-go v1.4.7 HolidayUtil, checked against the notice's text",
		},
		Holidays: []Day{},
		Workdays: []Day{},
	}
	fromHolidayUtil(&y)
	return y
}

// fromHolidayUtil fills y's days with HolidayUtil's for its year.
func fromHolidayUtil(y *Year) {
	l := HolidayUtil.GetHolidaysByYear(y.Year)
	for e := l.Front(); e != nil; e = e.Next() {
		h := e.Value.(*HolidayUtil.Holiday)
		d, err := domain.ParseDate(h.GetDay())
		if err != nil || d.Year != y.Year {
			continue
		}
		if h.IsWork() {
			y.Workdays = append(y.Workdays, Day{Date: d, Name: h.GetName()})
		} else {
			y.Holidays = append(y.Holidays, Day{Date: d, Name: h.GetName()})
		}
	}
}

// Statutory is year's provisional entry: the days article 2 of the holidays
// act (全国年节及纪念日放假办法, as revised by 国务院令第795号) fixes, the
// lunar and solar-term dates computed by lunar-go's calendar. The notice
// adds the bridging days, the days in lieu of holidays on a weekend and the
// make-up working days; the admin enters them once it is published.
func Statutory(year int) Year {
	ymd := func(s *calendar.Solar) domain.Date {
		return domain.Date{Year: s.GetYear(), Month: time.Month(s.GetMonth()), Day: s.GetDay()}
	}
	newYear := calendar.NewLunarFromYmd(year, 1, 1)
	chuyi := ymd(newYear.GetSolar())
	days := []Day{
		{Date: domain.Date{Year: year, Month: time.January, Day: 1}, Name: "元旦"},
		{Date: chuyi.AddDays(-1), Name: "春节"},
		{Date: chuyi, Name: "春节"},
		{Date: chuyi.AddDays(1), Name: "春节"},
		{Date: chuyi.AddDays(2), Name: "春节"},
		{Date: ymd(newYear.GetJieQiTable()["清明"]), Name: "清明节"},
		{Date: domain.Date{Year: year, Month: time.May, Day: 1}, Name: "劳动节"},
		{Date: domain.Date{Year: year, Month: time.May, Day: 2}, Name: "劳动节"},
		{Date: ymd(calendar.NewLunarFromYmd(year, 5, 5).GetSolar()), Name: "端午节"},
		{Date: ymd(calendar.NewLunarFromYmd(year, 8, 15).GetSolar()), Name: "中秋节"},
		{Date: domain.Date{Year: year, Month: time.October, Day: 1}, Name: "国庆节"},
		{Date: domain.Date{Year: year, Month: time.October, Day: 2}, Name: "国庆节"},
		{Date: domain.Date{Year: year, Month: time.October, Day: 3}, Name: "国庆节"},
	}
	return Year{
		Year: year,
		Source: Source{
			Title:  "全国年节及纪念日放假办法（国务院令第795号修订）第二条",
			Number: "国务院令第795号",
			Issued: domain.Date{Year: 2024, Month: time.November, Day: 10},
			Note: fmt.Sprintf("provisional: the State Council's notice for %d could not be checked when this was shipped; "+
				"only the statutory days are listed, without bridging days, days in lieu or make-up working days; "+
				"the platform admin enters the notice's arrangement", year),
		},
		Provisional: true,
		Holidays:    days,
		Workdays:    []Day{},
	}
}
