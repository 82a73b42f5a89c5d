//! Camera clock arithmetic for WS-Security: the offset between the camera's clock and ours,
//! and the `wsu:Created` text on the camera's clock. Proleptic Gregorian calendar, UTC,
//! hand-written (days-from-civil and civil-from-days after Howard Hinnant's algorithms), no
//! clock read here: times are arguments.

/// Seconds to add to our clock to get the camera's: `camera_unix - local_unix`.
pub fn clock_offset(camera_unix: i64, local_unix: i64) -> i64 {
    camera_unix.saturating_sub(local_unix)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of `local_unix + offset`, the camera's time for `wsu:Created`.
pub fn created_for(local_unix: i64, offset: i64) -> String {
    let t = local_unix.saturating_add(offset);
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Unix seconds of a UTC civil date and time, or `None` when a field is out of range
/// (month 1..=12, day within the month, hour 0..=23, minute 0..=59, second 0..=60).
pub fn unix_from_civil(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 || !(0..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// Unix seconds of an HTTP `Date:` header in the IMF-fixdate form every current server
/// sends (`Fri, 27 Nov 2026 03:35:57 GMT`, RFC 9110 5.6.7); `None` for anything else. The
/// camera's clock when the SOAP reply itself is a refusal.
pub fn parse_http_date(value: &str) -> Option<i64> {
    let mut it = value.split_ascii_whitespace();
    let (_weekday, day, month, year, time, zone) = (
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    );
    if it.next().is_some() || zone != "GMT" {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let mut hms = time.split(':').map(|f| f.parse::<u32>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() {
        return None;
    }
    unix_from_civil(year.parse().ok()?, month, day.parse().ok()?, h, m, s)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Epoch, the leap day 2024-02-29 and the step into March, a year end, and 2000 (a
    /// leap year although divisible by 100).
    #[test]
    fn created_for_across_leap_day_and_year_end() {
        assert_eq!(created_for(0, 0), "1970-01-01T00:00:00Z");
        let leap_day = unix_from_civil(2024, 2, 29, 23, 59, 59).unwrap();
        assert_eq!(leap_day, 1_709_251_199);
        assert_eq!(created_for(leap_day, 0), "2024-02-29T23:59:59Z");
        assert_eq!(created_for(leap_day, 1), "2024-03-01T00:00:00Z");
        assert_eq!(created_for(leap_day - 86_400, 0), "2024-02-28T23:59:59Z");
        let new_year = unix_from_civil(2026, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(created_for(new_year, 0), "2026-12-31T23:59:59Z");
        assert_eq!(created_for(new_year, 1), "2027-01-01T00:00:00Z");
        assert_eq!(created_for(new_year + 1, -1), "2026-12-31T23:59:59Z");
        assert_eq!(
            created_for(unix_from_civil(2000, 2, 29, 12, 0, 0).unwrap(), 0),
            "2000-02-29T12:00:00Z"
        );
        assert_eq!(created_for(-1, 0), "1969-12-31T23:59:59Z");
    }

    /// The offset is camera minus local; applying it gives the camera's clock; extremes
    /// saturate instead of overflowing.
    #[test]
    fn clock_offset_round_trip() {
        let camera = 1_795_737_227;
        let local = camera - 3_725;
        let off = clock_offset(camera, local);
        assert_eq!(off, 3_725);
        assert_eq!(created_for(local, off), "2026-11-26T23:53:47Z");
        assert_eq!(clock_offset(i64::MIN, i64::MAX), i64::MIN);
        let _ = created_for(i64::MAX, i64::MAX);
        let _ = created_for(i64::MIN, i64::MIN);
    }

    /// The Date headers the lab's servers sent (ipycam's BaseHTTP, lighttpd, onvif-server's
    /// hyper) parse to the time of the SOAP reply next to them; other forms are refused.
    #[test]
    fn http_dates() {
        let at = unix_from_civil(2026, 11, 27, 3, 35, 57);
        assert_eq!(parse_http_date("Fri, 27 Nov 2026 03:35:57 GMT"), at);
        assert_eq!(parse_http_date(" Fri, 27 Nov 2026 03:35:57 GMT "), at);
        for bad in [
            "",
            "Fri, 27 Nov 2026 03:35:57",
            "Fri, 27 Nov 2026 03:35:57 UTC",
            "Friday, 27-Nov-26 03:35:57 GMT",
            "Fri Nov 27 03:35:57 2026",
            "Fri, 27 Foo 2026 03:35:57 GMT",
            "Fri, 31 Nov 2026 03:35:57 GMT",
            "Fri, 27 Nov 2026 03:35 GMT",
            "Fri, 27 Nov 2026 03:35:57:1 GMT",
            "Fri, 27 Nov 2026 25:35:57 GMT",
            "Fri, 27 Nov 2026 03:35:57 GMT x",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    /// Out-of-range fields (Feb 29 of a common year, month 13, hour 24) are refused.
    #[test]
    fn civil_validation() {
        assert!(unix_from_civil(2023, 2, 29, 0, 0, 0).is_none());
        assert!(unix_from_civil(1900, 2, 29, 0, 0, 0).is_none());
        assert!(unix_from_civil(2024, 13, 1, 0, 0, 0).is_none());
        assert!(unix_from_civil(2024, 1, 1, 24, 0, 0).is_none());
        assert!(unix_from_civil(2024, 1, 0, 0, 0, 0).is_none());
        // Every day from 1999 to 2030 round-trips.
        let mut t = unix_from_civil(1999, 1, 1, 0, 0, 0).unwrap();
        while t < unix_from_civil(2030, 1, 1, 0, 0, 0).unwrap() {
            let s = created_for(t, 0);
            let (y, m, d) = (
                s[0..4].parse().unwrap(),
                s[5..7].parse().unwrap(),
                s[8..10].parse().unwrap(),
            );
            assert_eq!(unix_from_civil(y, m, d, 0, 0, 0), Some(t));
            t += 86_400;
        }
    }
}
