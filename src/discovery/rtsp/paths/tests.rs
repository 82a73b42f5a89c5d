use super::*;

/// The original detector's 15 paths, in its order.
const ORIGINAL: [&str; 15] = [
    "/cam/realmonitor?channel=1&subtype=0",
    "/cam/realmonitor?channel=1&subtype=1",
    "/stream1",
    "/h264/ch1/main/av_stream",
    "/live/ch00_0",
    "/MediaInput/h264/stream_1",
    "/11",
    "/video1",
    "/streaming/channels/101",
    "/live/0/MAIN",
    "/live/0/HIGH",
    "/axis-media/media.amp",
    "/stream",
    "/live",
    "/video",
];

fn brand(id: &str) -> Option<Brand> {
    Some(Brand::from_id(id).unwrap_or_else(|| panic!("brand {id}")))
}

fn paths(c: &[Candidate<'_>]) -> Vec<String> {
    c.iter().map(|c| c.path.to_owned()).collect()
}

/// The dictionary is the data's: the original detector's paths that the public data lists
/// are all in it; the four it does not list are not (docs/service.md, "Where we differ").
#[test]
fn the_original_paths_the_data_lists_are_in_the_dictionary() {
    let all = paths(&ordered(None, &[]));
    assert!(all.len() > 500, "{}", all.len());
    let missing: Vec<&str> = ORIGINAL
        .iter()
        .copied()
        .filter(|o| !all.iter().any(|p| p == o))
        .collect();
    assert_eq!(
        missing,
        [
            "/streaming/channels/101",
            "/live/0/MAIN",
            "/live/0/HIGH",
            "/stream"
        ]
    );
}

#[test]
fn the_brands_own_templates_come_first_then_its_leads_then_the_rest() {
    let o = paths(&ordered(brand("uniview"), &[]));
    assert_eq!(
        &o[..5],
        [
            "/media/video1",
            "/media/video2",
            "/media/video3",
            "/unicast/c1/s0/live",
            "/unicast/c1/s1/live"
        ]
    );
    let reolink = paths(&ordered(brand("reolink"), &[]));
    assert_eq!(&reolink[..2], ["/Preview_01_main", "/Preview_01_sub"]);
    // Then reolink's leads: every path reolink lists comes before the first it does not.
    let listed = |p: &str| {
        crate::camdb::dictionary()
            .any(|d| d.path == p && d.is_listed_by(Brand::from_id("reolink").expect("brand")))
    };
    let first_other = reolink.iter().position(|p| !listed(p)).expect("others");
    assert!(reolink[first_other..].iter().all(|p| !listed(p)));
    assert!(reolink[..first_other]
        .iter()
        .any(|p| p == "/h264Preview_01_main"));
    // No brand: the data's order as is, templates with the most brands first.
    let plain = paths(&ordered(None, &[]));
    assert_eq!(
        &plain[..2],
        [
            "/cam/realmonitor?channel=1&subtype=1",
            "/cam/realmonitor?channel=1&subtype=0"
        ]
    );
    assert_eq!(plain.len(), reolink.len(), "same paths, other order");
}

#[test]
fn user_paths_for_this_brand_or_untagged_come_first_other_brands_last() {
    let user = parse_paths_file(
        "/mine/reolink reolink main\n/anycam\n/other/axis axis\n/stream1 tplink\n",
    )
    .expect("valid file");
    let o = paths(&ordered(brand("reolink"), &user));
    assert_eq!(&o[..3], ["/mine/reolink", "/anycam", "/Preview_01_main"]);
    assert_eq!(o.last().map(String::as_str), Some("/other/axis"));
    // The user's /stream1 (tagged TP-Link) is not duplicated: the data's one stays.
    assert_eq!(o.iter().filter(|p| *p == "/stream1").count(), 1);
    // Without a brand every user path is first, in file order.
    let o = paths(&ordered(None, &user));
    assert_eq!(
        &o[..4],
        ["/mine/reolink", "/anycam", "/other/axis", "/stream1"]
    );
    assert_eq!(o.len(), ordered(None, &[]).len() + 3);
}

/// Sub streams from the data: the sub templates of the brands whose main template played,
/// the hinted brand's and the closest first; rules after.
#[test]
fn sub_streams_from_the_brands_templates() {
    let cases: [(&str, Option<&str>, &str); 6] = [
        (
            "/Streaming/Channels/101",
            Some("hikvision"),
            "/Streaming/Channels/102",
        ),
        (
            "/cam/realmonitor?channel=1&subtype=0",
            None,
            "/cam/realmonitor?channel=1&subtype=1",
        ),
        ("/Preview_01_main", Some("reolink"), "/Preview_01_sub"),
        ("/media/video1", None, "/media/video2"),
        (
            "/unicast/c1/s0/live",
            Some("uniview"),
            "/unicast/c1/s1/live",
        ),
        ("/h264Preview_01_main", None, "/h264Preview_01_sub"),
    ];
    for (main, b, want) in cases {
        let got = sub_candidates(main, b.and_then(brand));
        assert_eq!(
            got.first().map(String::as_str),
            Some(want),
            "{main}: {got:?}"
        );
        assert!(!got.iter().any(|g| g == main));
    }
}

#[test]
fn sub_streams_derived_by_rule() {
    let cases: [(&str, &[&str]); 16] = [
        ("/Streaming/Channels/101", &["/Streaming/Channels/102"]),
        (
            "/cam/realmonitor?channel=1&subtype=0",
            &["/cam/realmonitor?channel=1&subtype=1"],
        ),
        ("/h264Preview_01_main", &["/h264Preview_01_sub"]),
        ("/live_main", &["/live_sub"]),
        ("/h264/ch1/main/av_stream", &["/h264/ch1/sub/av_stream"]),
        ("/stream1", &["/stream2"]),
        ("/media/video1", &["/media/video2"]),
        ("/video1", &["/video2"]),
        ("/11", &["/12"]),
        ("/unicast/c1/s0/live", &["/unicast/c1/s1/live"]),
        ("/videoMain", &["/videoSub"]),
        ("/live.sdp", &["/live2.sdp"]),
        ("/profile2/media.smp", &["/profile3/media.smp"]),
        (
            "/axis-media/media.amp",
            &["/axis-media/media.amp?resolution=640x360"],
        ),
        (
            "/axis-media/media.amp?videocodec=h264&resolution=1920x1080",
            &["/axis-media/media.amp?videocodec=h264&resolution=640x360"],
        ),
        ("/Streaming/Channels/109", &["/Streaming/Channels/110"]),
    ];
    for (main, want) in cases {
        assert_eq!(derived_subs(main), want.to_vec(), "{main}");
    }
}

#[test]
fn no_sub_guess_for_paths_without_a_pattern() {
    for main in [
        "/live",
        "/",
        "",
        "/live/0/MAIN",
        "/x99999999999",
        "/a?b=1",
        "/axis-media/media.amp?resolution=640x360",
    ] {
        assert!(
            derived_subs(main).is_empty(),
            "{main}: {:?}",
            derived_subs(main)
        );
    }
}

#[test]
fn paths_file_words_comments_and_defaults() {
    let text =
        "# my cameras\n\n  /front main reolink # the porch\n/back SUB\n/x tplink any\n/y generic\n#/off\n";
    let p = parse_paths_file(text).expect("valid");
    assert_eq!(
        p,
        [
            PathEntry {
                path: "/front".into(),
                brand: brand("reolink"),
                role: Role::Main
            },
            PathEntry {
                path: "/back".into(),
                brand: None,
                role: Role::Sub
            },
            PathEntry {
                path: "/x".into(),
                brand: brand("tp-link"),
                role: Role::Any
            },
            PathEntry {
                path: "/y".into(),
                brand: None,
                role: Role::Any
            },
        ]
    );
    assert_eq!(parse_paths_file(""), Ok(vec![]));
}

#[test]
fn bad_paths_file_lines_name_their_line_number() {
    let cases = [
        ("/ok\nrtsp://cam/x\n", 2, "expected a path"),
        ("/ok\n\n/x sonny\n", 3, "unknown word \"sonny\""),
        ("/x main sub\n", 1, "second role"),
        ("/x axis dahua\n", 1, "second brand"),
        ("/x\u{7}y\n", 1, "control character"),
    ];
    for (text, line, reason) in cases {
        let e = parse_paths_file(text).expect_err(text);
        assert_eq!(e.line, line, "{text:?}");
        assert!(e.reason.contains(reason), "{text:?}: {e}");
        assert!(e
            .to_string()
            .starts_with(&format!("RTSP paths file line {line}: ")));
    }
    let long = format!("/{}\n", "a".repeat(MAX_PATH_LEN));
    assert!(parse_paths_file(&long).is_err());
}

#[test]
fn decoys_differ_by_seed_and_match_no_dictionary_path() {
    let (a, b) = (decoy_path(1), decoy_path(2));
    assert_ne!(a, b);
    assert!(a.starts_with('/'));
    assert!(ordered(None, &[]).iter().all(|p| p.path != a));
}

/// Credentials in the URL: markers filled, reserved characters percent-encoded, `[AUTH]` as
/// base64 of user:password; paths without markers untouched.
#[test]
fn credentials_fill_path_markers() {
    assert_eq!(
        fill_credentials(
            "/user=[USERNAME]_password=[PASSWORD]_channel=1_stream=0.sdp",
            "admin",
            "p&ss w"
        ),
        "/user=admin_password=p%26ss%20w_channel=1_stream=0.sdp"
    );
    assert_eq!(
        fill_credentials(
            "/cam/realmonitor?channel=1&subtype=00&authbasic=[AUTH]",
            "admin",
            "admin"
        ),
        "/cam/realmonitor?channel=1&subtype=00&authbasic=YWRtaW46YWRtaW4%3D"
    );
    assert_eq!(fill_credentials("/stream1", "a", "b"), "/stream1");
}

/// The other stream of a sub path is its main: the main templates of the brands whose sub
/// template it is, then the rules read backwards; a main path's other stream is its sub.
#[test]
fn the_other_stream_of_a_sub_path_is_its_main() {
    assert_eq!(role_of("/Streaming/Channels/102"), Role::Sub);
    assert_eq!(role_of("/h264Preview_01_sub"), Role::Sub, "by rule");
    assert_eq!(role_of("/Streaming/Channels/101"), Role::Main);
    assert_eq!(role_of("/not-in-the-data"), Role::Any);
    let mains = other_stream_candidates("/cam/realmonitor?channel=1&subtype=1", None);
    assert_eq!(
        mains.first().map(String::as_str),
        Some("/cam/realmonitor?channel=1&subtype=0")
    );
    let mains = other_stream_candidates("/1/h264minor", None);
    assert_eq!(
        mains.first().map(String::as_str),
        Some("/1/h264major"),
        "{mains:?}"
    );
    assert_eq!(
        derived_mains("/h264Preview_01_sub"),
        ["/h264Preview_01_main"]
    );
    assert_eq!(derived_mains("/12"), ["/11"]);
    assert!(derived_mains("/0").is_empty());
    assert!(derived_mains("/live").is_empty());
    // A lead main path of a known brand: its sub among the brand's sub paths, closest first.
    let subs = other_stream_candidates("/h265Preview_01_main", Brand::from_id("reolink"));
    assert!(
        subs.iter().take(3).any(|s| s == "/h264Preview_01_sub"),
        "{subs:?}"
    );
}

/// With no brand, a server on a port some brands state gets those brands' templates first.
#[test]
fn a_non_standard_port_names_its_brands() {
    let on_80 = ordered_on_port(None, 80, &[]);
    let stating: Vec<Brand> = Brand::stating(80).collect();
    let firsts = on_80
        .iter()
        .take_while(|c| {
            c.data
                .is_some_and(|d| stating.iter().any(|b| d.is_template_of(*b)))
        })
        .count();
    assert!(firsts >= 4, "{firsts}");
    let camius = on_80
        .iter()
        .position(|c| c.path == "/rtsp/streaming?channel=1&subtype=0");
    assert!(camius.is_some_and(|i| i < firsts), "{camius:?} of {firsts}");
    assert_eq!(
        paths(&ordered_on_port(None, 554, &[])),
        paths(&ordered(None, &[]))
    );
    let known = paths(&ordered_on_port(Brand::from_id("reolink"), 80, &[]));
    assert_eq!(
        known[0], "/Preview_01_main",
        "a known brand wins over the port"
    );
}
