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

#[test]
fn the_dictionary_has_60_unique_paths_including_the_original_15() {
    assert!(BUILTIN.len() >= 60, "{}", BUILTIN.len());
    let mut seen = std::collections::HashSet::new();
    for p in BUILTIN {
        assert!(p.path.starts_with('/'), "{}", p.path);
        assert!(seen.insert(p.path.as_ref()), "duplicate {}", p.path);
    }
    for o in ORIGINAL {
        assert!(seen.contains(o), "missing original path {o}");
    }
    // Every vendor of the issue has at least one main path of its own.
    for v in Vendor::ALL {
        assert!(
            BUILTIN
                .iter()
                .any(|p| p.vendor == v && p.role == Role::Main),
            "{v:?}"
        );
    }
}

#[test]
fn vendor_hints_from_onvif_oui_and_mdns_names() {
    let cases = [
        ("HIKVISION", Some(Vendor::Hikvision)),
        ("hikvision", Some(Vendor::Hikvision)), // arp::oui_vendor key
        (
            "Hangzhou Hikvision Digital Technology Co.,Ltd.",
            Some(Vendor::Hikvision),
        ),
        ("Zhejiang Dahua Technology Co., Ltd.", Some(Vendor::Dahua)),
        ("Amcrest Technologies", Some(Vendor::Dahua)),
        ("amcrest-cam5", Some(Vendor::Dahua)),
        ("AXIS", Some(Vendor::Axis)),
        ("axis-00408c000003", Some(Vendor::Axis)),
        ("Reolink Innovation Limited", Some(Vendor::Reolink)),
        (
            "Zhejiang Uniview Technologies Co., Ltd.",
            Some(Vendor::Uniview),
        ),
        ("UNV", Some(Vendor::Uniview)),
        ("Hanwha Techwin", Some(Vendor::Hanwha)),
        ("SAMSUNG TECHWIN CO.,LTD", Some(Vendor::Hanwha)),
        ("Bosch Security Systems", Some(Vendor::Bosch)),
        ("Foscam", Some(Vendor::Foscam)),
        ("TP-LINK TECHNOLOGIES CO.,LTD.", Some(Vendor::TpLink)),
        ("Tapo C200", Some(Vendor::TpLink)),
        ("XMEye", Some(Vendor::Xiongmai)),
        ("Ubiquiti Networks Inc.", Some(Vendor::Ubiquiti)),
        ("Vivotek, Inc.", Some(Vendor::Vivotek)),
        ("hanwha", Some(Vendor::Hanwha)),   // oui_vendor keys
        ("vivotek", Some(Vendor::Vivotek)), //
        ("tplink", Some(Vendor::TpLink)),   //
        ("IPyCam", None),
        ("Synology Incorporated", None),
        ("", None),
    ];
    for (text, want) in cases {
        assert_eq!(Vendor::from_hint(text), want, "{text:?}");
    }
}

#[test]
fn the_vendors_own_paths_come_first_then_the_rest_by_commonness() {
    let o = ordered(Some(Vendor::Uniview), &[]);
    assert_eq!(o.len(), BUILTIN.len());
    let first: Vec<&str> = o.iter().take(4).map(|p| p.path.as_ref()).collect();
    assert_eq!(
        first,
        [
            "/unicast/c1/s0/live",
            "/unicast/c1/s1/live",
            "/media/video1",
            "/media/video2"
        ]
    );
    assert_eq!(o[4].path, "/Streaming/Channels/101");
    // No vendor: the built-in order as is.
    let plain: Vec<&str> = ordered(None, &[]).iter().map(|p| p.path.as_ref()).collect();
    let builtin: Vec<&str> = BUILTIN.iter().map(|p| p.path.as_ref()).collect();
    assert_eq!(plain, builtin);
}

#[test]
fn user_paths_for_this_vendor_or_untagged_come_first_other_vendors_last() {
    let user = parse_paths_file(
        "/mine/reolink reolink main\n/anycam\n/other/axis axis\n/stream1 tplink\n",
    )
    .expect("valid file");
    let o: Vec<&str> = ordered(Some(Vendor::Reolink), &user)
        .iter()
        .map(|p| p.path.as_ref())
        .collect();
    assert_eq!(
        &o[..3],
        ["/mine/reolink", "/anycam", "/h264Preview_01_main"]
    );
    assert_eq!(o.last(), Some(&"/other/axis"));
    // The user's /stream1 (tagged TP-Link) is not duplicated: the built-in one stays.
    assert_eq!(o.iter().filter(|p| **p == "/stream1").count(), 1);
    // Without a vendor every user path is first, in file order.
    let o: Vec<&str> = ordered(None, &user)
        .iter()
        .map(|p| p.path.as_ref())
        .collect();
    assert_eq!(
        &o[..4],
        ["/mine/reolink", "/anycam", "/other/axis", "/stream1"]
    );
    assert_eq!(o.len(), BUILTIN.len() + 3);
}

#[test]
fn sub_streams_derived_from_main_paths() {
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
        assert_eq!(sub_candidates(main), want.to_vec(), "{main}");
    }
    // Every built-in sub path is derived from some built-in main path.
    for s in BUILTIN.iter().filter(|p| p.role == Role::Sub) {
        assert!(
            BUILTIN
                .iter()
                .filter(|m| m.role == Role::Main && m.vendor == s.vendor)
                .any(|m| sub_candidates(&m.path).iter().any(|c| *c == s.path)),
            "no main path leads to {}",
            s.path
        );
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
            sub_candidates(main).is_empty(),
            "{main}: {:?}",
            sub_candidates(main)
        );
    }
}

#[test]
fn paths_file_words_comments_and_defaults() {
    let text =
        "# my cameras\n\n  /front main reolink # the porch\n/back SUB\n/x tplink any\n#/off\n";
    let p = parse_paths_file(text).expect("valid");
    assert_eq!(
        p,
        [
            PathEntry {
                path: "/front".into(),
                vendor: Vendor::Reolink,
                role: Role::Main
            },
            PathEntry {
                path: "/back".into(),
                vendor: Vendor::Generic,
                role: Role::Sub
            },
            PathEntry {
                path: "/x".into(),
                vendor: Vendor::TpLink,
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
        ("/ok\n\n/x sony\n", 3, "unknown word \"sony\""),
        ("/x main sub\n", 1, "second role"),
        ("/x axis dahua\n", 1, "second vendor"),
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
    assert!(BUILTIN.iter().all(|p| p.path != a));
}
