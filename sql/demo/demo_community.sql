-- Demo data: 和平街道 / 幸福里社区, with grids, places, volunteers, a 三老巡逻队 and elderly
-- residents, and everything the scheduling needs: skills and certificates, availability,
-- limits, absences and preferences, the service catalogue, the calendar, slot templates and
-- the slots of last, this and next week, desk bookings with their windows, rosters (last
-- week re-planned, this week published, next week a draft) and attendance with the hours it
-- booked. Dates follow the week the script runs in (Asia/Shanghai, weeks start on Monday).
-- Loaded by `linli demo load`; running it again changes nothing.
-- Names are generated deterministically from common surnames and given names; phones are in
-- the 19900000000 range, which no operator assigns to real people here.
DO $demo$
DECLARE
    sd uuid;
    c uuid;
    g uuid[];
    team uuid;
    surnames text[] := ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','林','罗','高'];
    female_names text[] := ARRAY['秀英','桂兰','玉兰','淑珍','凤英','丽娟','海燕','晓红','静','芳','敏','婷','慧敏','雪梅','春华','美玲'];
    male_names text[] := ARRAY['建国','建华','志强','国强','德明','永刚','卫东','海涛','伟','强','磊','军','明辉','振华','家豪','子轩'];
    buildings text[] := ARRAY['1号楼','2号楼','3号楼','5号楼','6号楼','8号楼','东院','西院'];
    i int;
    v uuid;
    -- Scheduling data (skills, availability, catalogue, slots, bookings, rosters, attendance).
    tz constant text := 'Asia/Shanghai';
    mon0 date;          -- Monday of this week (Asia/Shanghai)
    mon_prev date;      -- Monday of last week
    mon_next date;      -- Monday of next week
    today0 timestamptz; -- today 00:00 in Asia/Shanghai
    u_coord uuid;
    u_desk uuid;
    ph int;
    rid uuid;
    r_prev1 uuid;
    r_prev2 uuid;
    r_this uuid;
    r_next uuid;
    wk date;
    live_flag boolean;
    s record;
    bk record;
    pick uuid;
    have_n int;
    leader_needed boolean;
    sid uuid;
    bid uuid;
    dd date;
    sick uuid;
    a_id uuid;
BEGIN
    IF EXISTS (SELECT 1 FROM communities WHERE code = 'demo') THEN
        RAISE NOTICE 'demo community already loaded';
        RETURN;
    END IF;

    INSERT INTO sub_districts (name) VALUES ('和平街道')
    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id INTO sd;
    INSERT INTO communities (sub_district_id, code, name, phone)
    VALUES (sd, 'demo', '幸福里社区', '010-6401 2345') RETURNING id INTO c;

    FOR i IN 1..4 LOOP
        g[i] := gen_random_uuid();
        INSERT INTO grids (id, community_id, code, name, grid_worker_name, grid_worker_phone)
        VALUES (g[i], c, 'G' || i, '第' || (ARRAY['一','二','三','四'])[i] || '网格',
                (ARRAY['赵丽','孙志刚','周敏','郭海燕'])[i], '1990000010' || i);
    END LOOP;
    INSERT INTO grid_travel_minutes (community_id, from_grid_id, to_grid_id, minutes)
    SELECT c, a.id, b.id, 5 * abs(a.n - b.n)
    FROM (SELECT id, row_number() OVER (ORDER BY code) n FROM grids WHERE community_id = c) a
    CROSS JOIN (SELECT id, row_number() OVER (ORDER BY code) n FROM grids WHERE community_id = c) b
    WHERE a.id <> b.id;

    FOR i IN 1..array_length(buildings, 1) LOOP
        INSERT INTO places (community_id, grid_id, kind, name, address)
        VALUES (c, g[1 + (i - 1) % 4], CASE WHEN buildings[i] LIKE '%院' THEN 'courtyard' ELSE 'building' END::place_kind,
                buildings[i], '幸福里' || buildings[i]);
    END LOOP;
    INSERT INTO places (community_id, grid_id, kind, name, address) VALUES
        (c, g[1], 'service_station', '幸福里便民服务站', '幸福里社区服务大厅一层'),
        (c, g[2], 'community_centre', '社区服务大厅', '幸福里12号'),
        (c, g[2], 'canteen', '长者食堂', '幸福里12号院内'),
        (c, g[3], 'library', '社区图书室', '幸福里12号二层'),
        (c, g[1], 'patrol_route', '一号巡逻线（东门—菜市场—小学）', NULL),
        (c, g[4], 'patrol_route', '二号巡逻线（西门—公园—河边步道）', NULL);

    -- Volunteers: party members, youth, women's and elderly volunteers across the grids.
    FOR i IN 1..48 LOOP
        INSERT INTO volunteers (community_id, external_id, name, phone, sex, birth_year, home_grid_id, groups)
        VALUES (
            c, 'V' || lpad(i::text, 4, '0'),
            surnames[1 + (i * 7) % 20] || CASE WHEN i % 2 = 0 THEN female_names[1 + (i * 5) % 16] ELSE male_names[1 + (i * 3) % 16] END,
            '1990001' || lpad(i::text, 4, '0'),
            CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END::sex,
            CASE WHEN i <= 16 THEN 1950 + i ELSE 1975 + (i % 25) END,
            g[1 + i % 4],
            CASE
                WHEN i <= 16 THEN ARRAY['elderly','party_member']::volunteer_group[]
                WHEN i % 5 = 0 THEN ARRAY['party_member']::volunteer_group[]
                WHEN i % 3 = 0 THEN ARRAY['youth']::volunteer_group[]
                WHEN i % 2 = 0 THEN ARRAY['women']::volunteer_group[]
                ELSE ARRAY['resident']::volunteer_group[]
            END);
    END LOOP;

    -- 三老巡逻队: the eight oldest volunteers, the first one leading.
    INSERT INTO patrol_teams (community_id, name, police_station)
    VALUES (c, '幸福里三老巡逻队', '和平街派出所') RETURNING id INTO team;
    i := 0;
    FOR v IN SELECT id FROM volunteers WHERE community_id = c ORDER BY birth_year, external_id LIMIT 8 LOOP
        INSERT INTO patrol_team_members (team_id, volunteer_id, community_id, is_leader)
        VALUES (team, v, c, i = 0);
        i := i + 1;
    END LOOP;

    -- Elderly residents; a third without a phone of their own (reminded by a call).
    FOR i IN 1..30 LOOP
        INSERT INTO residents (community_id, external_id, name, sex, birth_year, grid_id, place_id, address, phone,
                               family_contact_name, family_contact_phone, needs_call, lives_alone, care_notes)
        SELECT c, 'R' || lpad(i::text, 4, '0'),
               surnames[1 + (i * 11) % 20] || CASE WHEN i % 3 = 0 THEN male_names[1 + (i * 7) % 16] ELSE female_names[1 + (i * 3) % 16] END,
               CASE WHEN i % 3 = 0 THEN 'male' ELSE 'female' END::sex,
               1930 + (i * 3) % 20,
               p.grid_id, p.id, '幸福里' || p.name || ' ' || (1 + i % 6) || '单元' || (100 + i) || '室',
               CASE WHEN i % 3 = 1 THEN NULL ELSE '1990002' || lpad(i::text, 4, '0') END,
               CASE WHEN i % 3 = 1 THEN '子女' END,
               CASE WHEN i % 3 = 1 THEN '1990003' || lpad(i::text, 4, '0') END,
               i % 3 = 1, i % 4 = 0,
               CASE WHEN i % 5 = 0 THEN '行动不便，需要搀扶；对青霉素过敏' WHEN i % 7 = 0 THEN '听力较弱，请大声说话' END
        FROM places p
        WHERE p.community_id = c AND p.kind IN ('building', 'courtyard')
        ORDER BY p.name
        OFFSET (i % 8) LIMIT 1;
    END LOOP;

    -- Staff accounts (passwords are set with the accounts feature).
    INSERT INTO users (login, display_name) VALUES
        ('admin', '系统管理员'), ('coordinator', '社工 王芳'), ('desk', '服务大厅 李静'), ('patrol', '巡逻队长')
    ON CONFLICT (login) DO NOTHING;
    INSERT INTO user_roles (user_id, role, community_id)
    SELECT id, 'administrator', NULL FROM users WHERE login = 'admin'
    ON CONFLICT DO NOTHING;
    INSERT INTO user_roles (user_id, role, community_id)
    SELECT u.id, r.role::user_role, c FROM users u
    JOIN (VALUES ('coordinator', 'coordinator'), ('desk', 'desk_staff'), ('patrol', 'patrol_leader')) r(login, role)
      ON r.login = u.login
    ON CONFLICT DO NOTHING;
    UPDATE user_roles SET team_id = team WHERE role = 'patrol_leader' AND community_id = c;
    -- Two seasoned members may stand in for the 队长 on a patrol.
    UPDATE patrol_team_members SET is_experienced = true
    WHERE team_id = team AND volunteer_id IN (
        SELECT m.volunteer_id FROM patrol_team_members m JOIN volunteers v ON v.id = m.volunteer_id
        WHERE m.team_id = team AND NOT m.is_leader ORDER BY v.external_id LIMIT 2);

    -- =====================================================================================
    -- Scheduling data. Dates are relative to the week the script runs in (weeks start on
    -- Monday, Asia/Shanghai): last week (history with attendance), this week (published
    -- roster) and next week (requested visits and a draft roster). Nothing else is random.
    -- =====================================================================================
    mon0 := date_trunc('week', (now() AT TIME ZONE tz))::date;
    mon_prev := mon0 - 7;
    mon_next := mon0 + 7;
    today0 := (date_trunc('day', now() AT TIME ZONE tz)) AT TIME ZONE tz;
    SELECT id INTO u_coord FROM users WHERE login = 'coordinator';
    SELECT id INTO u_desk FROM users WHERE login = 'desk';

    -- Skills and certificates -----------------------------------------------------------
    INSERT INTO skills (community_id, code, name_zh, name_en, is_certificate) VALUES
        (c, 'personal_care', '护理员证', 'Personal-care certificate', true),
        (c, 'first_aid', '急救证（红十字救护员）', 'First-aid certificate', true),
        (c, 'health_cert', '健康证', 'Food-handler health certificate', true),
        (c, 'driving', '驾驶证', 'Driving licence', true),
        (c, 'counselling', '心理疏导', 'Counselling', true),
        (c, 'haircut', '理发', 'Haircut', false),
        (c, 'bathing', '助浴技能培训', 'Bathing assistance training', false);

    -- Who holds what. Expiry dates are relative to this Monday: V0046's 护理员证 and
    -- V0009's 急救证 have lapsed; V0022, V0021 and V0026 must renew soon.
    INSERT INTO volunteer_skills (volunteer_id, skill_id, community_id, certificate_no, expires_on)
    SELECT vol.id, sk.id, c, x.cert_no, mon0 + x.expires_in
    FROM (VALUES
        ('V0022', 'personal_care', '护理员-2021-HP-00318', 25),
        ('V0022', 'bathing', NULL, NULL),
        ('V0025', 'personal_care', '护理员-2023-HP-01177', 540),
        ('V0025', 'bathing', NULL, NULL),
        ('V0025', 'driving', '驾驶证C1-1101-2019', 1460),
        ('V0026', 'personal_care', '护理员-2022-HP-00752', 300),
        ('V0026', 'bathing', NULL, NULL),
        ('V0026', 'health_cert', '京健2025-0402117', 10),
        ('V0028', 'personal_care', '护理员-2024-HP-02046', 800),
        ('V0028', 'bathing', NULL, NULL),
        ('V0028', 'haircut', NULL, NULL),
        ('V0031', 'personal_care', '护理员-2023-HP-01530', 610),
        ('V0031', 'bathing', NULL, NULL),
        ('V0032', 'personal_care', '护理员-2024-HP-02210', 900),
        ('V0032', 'bathing', NULL, NULL),
        ('V0032', 'health_cert', '京健2026-0115930', 240),
        ('V0034', 'personal_care', '护理员-2022-HP-00981', 420),
        ('V0034', 'counselling', '心理疏导培训-2023-047', NULL),
        ('V0037', 'personal_care', '护理员-2024-HP-02388', 950),
        ('V0037', 'bathing', NULL, NULL),
        ('V0038', 'personal_care', '护理员-2025-HP-00064', 1100),
        ('V0038', 'health_cert', '京健2026-0330218', 300),
        ('V0043', 'personal_care', '护理员-2025-HP-00412', 1200),
        ('V0044', 'personal_care', '护理员-2024-HP-01733', 700),
        ('V0046', 'personal_care', '护理员-2020-HP-00127', -30),
        ('V0046', 'bathing', NULL, NULL),
        ('V0001', 'first_aid', '红十字救护员-2024-0210', 420),
        ('V0005', 'first_aid', '红十字救护员-2023-0877', 150),
        ('V0009', 'first_aid', '红十字救护员-2022-0391', -75),
        ('V0017', 'first_aid', '红十字救护员-2024-1146', 560),
        ('V0017', 'driving', '驾驶证C1-1101-2015', 900),
        ('V0020', 'first_aid', '红十字救护员-2025-0058', 880),
        ('V0020', 'counselling', '心理疏导培训-2024-112', NULL),
        ('V0021', 'first_aid', '红十字救护员-2023-0934', 18),
        ('V0030', 'first_aid', '红十字救护员-2025-0320', 950),
        ('V0030', 'driving', '驾驶证C1-1101-2012', 2000),
        ('V0035', 'first_aid', '红十字救护员-2024-0705', 600),
        ('V0035', 'driving', '驾驶证C1-1101-2010', 1200),
        ('V0040', 'first_aid', '红十字救护员-2025-0611', 1000),
        ('V0040', 'counselling', '心理疏导培训-2025-019', NULL),
        ('V0045', 'first_aid', '红十字救护员-2024-0988', 700),
        ('V0012', 'haircut', NULL, NULL),
        ('V0041', 'haircut', NULL, NULL),
        ('V0010', 'health_cert', '京健2026-0208334', 200),
        ('V0011', 'health_cert', '京健2026-0208335', 200),
        ('V0013', 'health_cert', '京健2026-0311402', 230),
        ('V0014', 'health_cert', '京健2026-0311403', 230),
        ('V0016', 'health_cert', '京健2026-0527781', 300),
        ('V0019', 'health_cert', '京健2026-0619045', 330),
        ('V0023', 'health_cert', '京健2026-0619046', 330),
        ('V0029', 'health_cert', '京健2026-0812290', 380)
    ) AS x(ext, skill_code, cert_no, expires_in)
    JOIN volunteers vol ON vol.community_id = c AND vol.external_id = x.ext
    JOIN skills sk ON sk.community_id = c AND sk.code = x.skill_code;

    -- Limits: the 三老巡逻队 patrols at most three times a week (the leader five), never at
    -- night, with ten hours' rest; elderly volunteers one shift a day; youth weekends only.
    UPDATE volunteers vol SET
        max_minutes_per_week = p.mmw, max_minutes_per_day = p.mmd, max_shifts_per_day = p.msd,
        max_shifts_per_week = p.msw, max_consecutive_days = p.mcd, max_weekends_per_month = p.mwm,
        min_rest_minutes = p.rest, no_evening = p.no_eve, no_night = p.no_night,
        target_minutes_per_week = p.target, notify_channel = p.channel, email = p.email
    FROM (VALUES
        ('V0001', 600, 120::int, 1::int, 5, NULL::int, NULL::int, 600, false, true, 480, 'wecom', NULL::text),
        ('V0002', 360, 120, 1, 3, 3, NULL, 600, true,  true, 240, 'sms', NULL),
        ('V0003', 360, 120, 1, 3, 3, NULL, 600, false, true, 240, 'sms', NULL),
        ('V0004', 360, 120, 1, 3, 3, NULL, 600, false, true, 240, 'wecom', NULL),
        ('V0005', 360, 120, 1, 3, 3, NULL, 600, false, true, 240, 'wecom', NULL),
        ('V0006', 480, 180, 1, 3, 3, NULL, 600, false, true, 240, 'sms', NULL),
        ('V0007', 360, 120, 1, 3, 3, NULL, 600, false, true, 240, 'sms', NULL),
        ('V0008', 360, 120, 1, 3, 3, NULL, 600, false, true, 240, 'wecom', NULL),
        ('V0009', 540, 240, 1, 3, 3, NULL, 60, true, true, 360, 'sms', NULL),
        ('V0010', 540, 240, 1, 3, 3, NULL, 60, true, true, 360, 'sms', NULL),
        ('V0011', 720, 240, 1, 4, NULL, NULL, 60, true, true, 360, 'sms', NULL),
        ('V0012', 720, 240, 1, 4, NULL, NULL, 60, true, true, 360, 'wecom', NULL),
        ('V0013', 540, 240, 1, 3, 3, NULL, 60, true, true, 360, 'sms', NULL),
        ('V0014', 540, 240, 1, 3, 3, NULL, 60, true, true, 360, 'sms', NULL),
        ('V0015', 540, 240, 1, 3, 3, 2, 60, true, true, 300, 'wecom', NULL),
        ('V0016', 540, 240, 1, 3, 3, 2, 60, true, true, 300, 'sms', NULL),
        ('V0017', 480, 300, 2, 4, NULL, 2, 30, false, true, 240, 'sms', NULL),
        ('V0018', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0019', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0020', 480, 300, 2, 4, NULL, 2, 30, false, true, 240, 'email', 'wangfengying@example.com'),
        ('V0021', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0022', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0023', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0024', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0025', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'email', 'guojun@example.com'),
        ('V0026', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0027', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0028', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0029', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0030', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'wecom', NULL),
        ('V0031', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0032', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0033', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0034', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'email', 'luomin@example.com'),
        ('V0035', 480, 300, 2, 4, NULL, 2, 30, false, true, 240, 'wecom', NULL),
        ('V0036', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0037', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0038', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0039', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0040', 480, 300, 2, 4, NULL, 2, 30, false, true, 240, 'email', 'wangjing@example.com'),
        ('V0041', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0042', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL),
        ('V0043', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'sms', NULL),
        ('V0044', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0045', 480, 300, 2, 4, NULL, 2, 30, false, true, 240, 'wecom', NULL),
        ('V0046', 720, 360, 2, 5, 5, NULL, 30, false, true, 360, 'sms', NULL),
        ('V0047', 480, 300, 2, 4, NULL, NULL, 30, false, true, 240, 'none', NULL),
        ('V0048', 480, 240, 1, 2, 2, 2, 60, false, true, 180, 'wecom', NULL)
    ) AS p(ext, mmw, mmd, msd, msw, mcd, mwm, rest, no_eve, no_night, target, channel, email)
    WHERE vol.community_id = c AND vol.external_id = p.ext;

    -- One volunteer has moved away: kept for the history, never scheduled.
    UPDATE volunteers SET is_active = false,
        deactivated_at = (mon0 - 20)::timestamp AT TIME ZONE tz + interval '10 hours',
        deactivation_reason = '已搬离本社区（迁往外区居住）'
    WHERE community_id = c AND external_id = 'V0047';

    -- Weekly availability (ISO weekday, minutes from midnight), from named patterns.
    INSERT INTO volunteer_availability (volunteer_id, community_id, weekday, start_minute, end_minute)
    SELECT vol.id, c, wd, pat.start_minute, pat.end_minute
    FROM (VALUES
        ('V0001', ARRAY['patrol_am', 'patrol_pm']), ('V0002', ARRAY['patrol_am']),
        ('V0003', ARRAY['patrol_am', 'patrol_pm']), ('V0004', ARRAY['patrol_am', 'patrol_pm']),
        ('V0005', ARRAY['patrol_am', 'patrol_pm']), ('V0006', ARRAY['patrol_am', 'patrol_pm', 'wd_pm']),
        ('V0007', ARRAY['patrol_am', 'patrol_pm']), ('V0008', ARRAY['patrol_am', 'patrol_pm']),
        ('V0009', ARRAY['wd_am']), ('V0010', ARRAY['wd_am']), ('V0011', ARRAY['wd_full']),
        ('V0012', ARRAY['wd_full']), ('V0013', ARRAY['wd_am']), ('V0014', ARRAY['wd_full']),
        ('V0015', ARRAY['wd_pm', 'we_pm']), ('V0016', ARRAY['wd_am', 'we_pm']),
        ('V0017', ARRAY['tue_thu', 'weekend']), ('V0018', ARRAY['weekend']), ('V0019', ARRAY['mon_wed_fri']),
        ('V0020', ARRAY['weekend', 'evenings']), ('V0021', ARRAY['weekend']), ('V0022', ARRAY['wd_full']),
        ('V0023', ARRAY['mon_wed_fri']), ('V0024', ARRAY['we_pm']), ('V0025', ARRAY['wd_full']),
        ('V0026', ARRAY['wd_full']), ('V0027', ARRAY['weekend']), ('V0028', ARRAY['wd_full']),
        ('V0029', ARRAY['tue_thu']), ('V0030', ARRAY['mon_wed_fri']), ('V0031', ARRAY['wd_full']),
        ('V0032', ARRAY['wd_full']), ('V0033', ARRAY['weekend']), ('V0034', ARRAY['mon_wed_fri']),
        ('V0035', ARRAY['tue_thu', 'sat_am']), ('V0036', ARRAY['weekend']), ('V0037', ARRAY['wd_full']),
        ('V0038', ARRAY['wd_full']), ('V0039', ARRAY['weekend']), ('V0040', ARRAY['mon_wed_fri', 'evenings']),
        ('V0041', ARRAY['tue_thu']), ('V0042', ARRAY['weekend']), ('V0043', ARRAY['mon_wed_fri']),
        ('V0044', ARRAY['wd_full']), ('V0045', ARRAY['tue_thu']), ('V0046', ARRAY['wd_full']),
        ('V0047', ARRAY['tue_thu']), ('V0048', ARRAY['we_pm'])
    ) AS x(ext, patterns)
    JOIN volunteers vol ON vol.community_id = c AND vol.external_id = x.ext
    CROSS JOIN LATERAL unnest(x.patterns) AS pn(pattern)
    JOIN (VALUES
        ('patrol_am', ARRAY[1, 2, 3, 4, 5, 6, 7], 450, 690),    -- 07:30–11:30
        ('patrol_pm', ARRAY[1, 2, 3, 4, 5, 6, 7], 1110, 1290),  -- 18:30–21:30
        ('wd_am', ARRAY[1, 2, 3, 4, 5], 510, 780),              -- 08:30–13:00
        ('wd_pm', ARRAY[1, 2, 3, 4, 5], 810, 1050),             -- 13:30–17:30
        ('wd_full', ARRAY[1, 2, 3, 4, 5], 480, 1080),           -- 08:00–18:00
        ('mon_wed_fri', ARRAY[1, 3, 5], 480, 1080),
        ('tue_thu', ARRAY[2, 4], 480, 1080),
        ('weekend', ARRAY[6, 7], 480, 1080),
        ('we_pm', ARRAY[6, 7], 810, 1080),                      -- 13:30–18:00
        ('sat_am', ARRAY[6], 480, 720),
        ('evenings', ARRAY[1, 2, 3, 4, 5], 1110, 1260)          -- 18:30–21:00
    ) AS pat(pattern, weekdays, start_minute, end_minute) ON pat.pattern = pn.pattern
    CROSS JOIN LATERAL unnest(pat.weekdays) AS wdx(wd);

    -- Service catalogue --------------------------------------------------------------------
    INSERT INTO service_types (community_id, code, name_zh, name_en, kind, default_minutes, headcount_min, headcount_max,
                               same_sex_as_resident, never_alone, needs_leader, priority, reminder_lead_minutes)
    VALUES
        (c, 'station_duty', '便民服务站值班', 'Service-station duty', 'duty', 180, 2, 3, false, false, false, 60, '{720,120}'),
        (c, 'library_duty', '图书室值班', 'Library duty', 'duty', 180, 1, 2, false, false, false, 30, '{720,120}'),
        (c, 'canteen_help', '长者食堂助餐', 'Seniors'' canteen meal help', 'duty', 90, 2, 3, false, false, false, 65, '{720,120}'),
        (c, 'event_support', '社区活动志愿服务', 'Community event support', 'duty', 180, 4, 10, false, false, false, 40, '{1440,120}'),
        (c, 'patrol_morning', '早间巡逻', 'Morning patrol', 'patrol', 120, 2, 3, false, true, true, 70, '{1440,120}'),
        (c, 'patrol_evening', '晚间巡逻', 'Evening patrol', 'patrol', 120, 2, 3, false, true, true, 75, '{1440,120}'),
        (c, 'meal_delivery', '助餐（送餐上门）', 'Meal delivery', 'home_visit', 30, 1, 1, false, false, false, 80, '{720,60}'),
        (c, 'cleaning', '助洁', 'Home cleaning', 'home_visit', 90, 1, 2, false, false, false, 50, '{1440,120}'),
        (c, 'bathing', '助浴', 'Bathing assistance', 'home_visit', 60, 2, 2, true, true, false, 75, '{1440,120}'),
        (c, 'medical_escort', '助医（陪同就医）', 'Medical escort', 'home_visit', 180, 1, 1, false, false, false, 85, '{1440,120}'),
        (c, 'mobility_help', '助行', 'Mobility help', 'home_visit', 60, 1, 1, false, false, false, 60, '{1440,120}'),
        (c, 'errands', '代购', 'Errands', 'home_visit', 45, 1, 1, false, false, false, 45, '{720,60}'),
        (c, 'companionship', '陪聊（精神慰藉）', 'Companionship', 'home_visit', 60, 1, 1, false, false, false, 45, '{1440,120}'),
        (c, 'welfare_check', '探访（独居老人关爱）', 'Welfare check', 'home_visit', 30, 1, 1, false, false, false, 90, '{720,60}'),
        (c, 'haircut', '理发', 'Haircut', 'home_visit', 45, 1, 1, false, false, false, 30, '{1440,120}');

    INSERT INTO service_type_skills (service_type_id, skill_id, community_id)
    SELECT st.id, sk.id, c
    FROM (VALUES ('bathing', 'personal_care'), ('medical_escort', 'first_aid'), ('haircut', 'haircut'),
                 ('canteen_help', 'health_cert')) AS x(st_code, skill_code)
    JOIN service_types st ON st.community_id = c AND st.code = x.st_code
    JOIN skills sk ON sk.community_id = c AND sk.code = x.skill_code;

    -- Volunteers' preferred and avoided work.
    INSERT INTO volunteer_preferences (volunteer_id, community_id, prefers, place_id, service_type_id, weekday,
                                       start_minute, end_minute, weight)
    SELECT vol.id, c, x.prefers,
           (SELECT id FROM places WHERE community_id = c AND name = x.place_name),
           (SELECT id FROM service_types WHERE community_id = c AND code = x.st_code),
           x.wd, x.sm, x.em, x.weight
    FROM (VALUES
        ('V0004', false, NULL::text, NULL::text, 6::smallint, NULL::int, NULL::int, 5),  -- 周六带孙子
        ('V0005', true, NULL, 'patrol_morning', NULL, NULL, NULL, 3),
        ('V0009', true, '幸福里便民服务站', NULL, NULL, NULL, NULL, 3),
        ('V0010', true, NULL, 'canteen_help', NULL, NULL, NULL, 5),
        ('V0013', false, NULL, NULL, 1, 480, 720, 4),                                    -- 周一上午接送孙子
        ('V0015', true, '社区图书室', NULL, NULL, NULL, NULL, 5),
        ('V0028', true, NULL, 'haircut', NULL, NULL, NULL, 10),
        ('V0033', true, '社区图书室', NULL, NULL, NULL, NULL, 3),
        ('V0034', true, NULL, 'companionship', NULL, NULL, NULL, 5),
        ('V0036', true, NULL, NULL, 7, 840, 1020, 3),                                    -- 周日下午
        ('V0044', false, NULL, 'cleaning', NULL, NULL, NULL, 2)
    ) AS x(ext, prefers, place_name, st_code, wd, sm, em, weight)
    JOIN volunteers vol ON vol.community_id = c AND vol.external_id = x.ext;

    -- Dated absences: one this week, several in the coming week.
    INSERT INTO volunteer_absences (volunteer_id, community_id, during, reason, note)
    SELECT vol.id, c,
           tstzrange((mon0 + x.from_day)::timestamp AT TIME ZONE tz, (mon0 + x.to_day)::timestamp AT TIME ZONE tz),
           x.reason::absence_reason, x.note
    FROM (VALUES
        ('V0014', 1, 2, 'ill', '感冒发烧，在家休息'),
        ('V0003', 7, 10, 'ill', '腰椎不适，医生嘱咐卧床休息三天'),
        ('V0026', 10, 14, 'away', '回老家探亲'),
        ('V0012', 11, 12, 'day_off', '家中有事请假一天'),
        ('V0040', 12, 13, 'other', '单位周六加班')
    ) AS x(ext, from_day, to_day, reason, note)
    JOIN volunteers vol ON vol.community_id = c AND vol.external_id = x.ext;

    -- The patrol team walks both routes.
    INSERT INTO patrol_team_routes (team_id, place_id, community_id)
    SELECT team, id, c FROM places WHERE community_id = c AND kind = 'patrol_route';

    -- Residents' care needs (service codes) and their 结对 pairings -------------------------
    UPDATE residents r SET care_needs = x.needs
    FROM (VALUES
        ('R0001', ARRAY['meal_delivery', 'cleaning']), ('R0002', ARRAY['haircut']),
        ('R0003', ARRAY['cleaning', 'errands']), ('R0004', ARRAY['welfare_check', 'companionship', 'meal_delivery']),
        ('R0005', ARRAY['bathing', 'mobility_help', 'medical_escort']), ('R0006', ARRAY['haircut', 'errands']),
        ('R0007', ARRAY['companionship', 'cleaning']), ('R0008', ARRAY['welfare_check', 'meal_delivery', 'bathing']),
        ('R0009', ARRAY['medical_escort']), ('R0010', ARRAY['bathing', 'mobility_help', 'medical_escort']),
        ('R0011', ARRAY['cleaning']), ('R0012', ARRAY['welfare_check', 'meal_delivery', 'haircut']),
        ('R0013', ARRAY['errands']), ('R0014', ARRAY['companionship']),
        ('R0015', ARRAY['bathing', 'mobility_help', 'medical_escort']), ('R0016', ARRAY['welfare_check', 'companionship', 'cleaning']),
        ('R0017', ARRAY['meal_delivery']), ('R0018', ARRAY['haircut']), ('R0019', ARRAY['cleaning']),
        ('R0020', ARRAY['welfare_check', 'bathing', 'medical_escort', 'meal_delivery']),
        ('R0021', ARRAY['companionship', 'medical_escort']), ('R0022', ARRAY[]::text[]),
        ('R0023', ARRAY['errands', 'cleaning']), ('R0024', ARRAY['welfare_check', 'meal_delivery']),
        ('R0025', ARRAY['bathing', 'mobility_help']), ('R0026', ARRAY['haircut']),
        ('R0027', ARRAY['medical_escort', 'companionship']), ('R0028', ARRAY['welfare_check', 'companionship']),
        ('R0029', ARRAY['cleaning']), ('R0030', ARRAY['bathing', 'mobility_help', 'medical_escort'])
    ) AS x(ext, needs)
    WHERE r.community_id = c AND r.external_id = x.ext;

    INSERT INTO resident_volunteer_preferences (resident_id, volunteer_id, community_id, prefers)
    SELECT r.id, vol.id, c, x.prefers
    FROM (VALUES ('R0004', 'V0030', true), ('R0008', 'V0028', true), ('R0020', 'V0032', true),
                 ('R0012', 'V0012', true), ('R0015', 'V0025', true), ('R0007', 'V0034', true),
                 ('R0005', 'V0017', false)) AS x(res, ext, prefers)
    JOIN residents r ON r.community_id = c AND r.external_id = x.res
    JOIN volunteers vol ON vol.community_id = c AND vol.external_id = x.ext;

    -- Calendar -----------------------------------------------------------------------------
    -- The national calendar is shared by all communities: only dates that are certain.
    INSERT INTO calendar_days (community_id, day, kind, name)
    SELECT NULL, d::date, 'holiday', '国庆节'
    FROM generate_series(timestamp '2026-10-01', timestamp '2026-10-07', interval '1 day') AS gs(d)
    ON CONFLICT DO NOTHING;
    INSERT INTO calendar_days (community_id, day, kind, name)
    VALUES (NULL, date '2027-01-01', 'holiday', '元旦')
    ON CONFLICT DO NOTHING;
    -- The community's own days: next Saturday's 邻里节 (regular duty paused, patrols go on),
    -- and a fire-safety inspection the week after with a make-up Saturday.
    INSERT INTO calendar_days (community_id, day, kind, name, works_as_weekday) VALUES
        (c, mon_next + 5, 'holiday', '幸福里邻里节（社区活动日，常规值班暂停）', NULL),
        (c, mon_next + 9, 'holiday', '社区服务大厅消防检修（暂停值班）', NULL),
        (c, mon_next + 12, 'workday', '消防检修补班（按周三排班）', 3);

    -- Slot templates -------------------------------------------------------------------------
    INSERT INTO slot_templates (community_id, service_type_id, place_id, team_id, weekdays, start_minute, minutes,
                                headcount_min, headcount_max, valid_from, skip_holidays)
    SELECT c, st.id, pl.id, CASE WHEN st.kind = 'patrol' THEN team END, x.weekdays, x.sm, x.mins, x.hmin, x.hmax,
           mon0 - 28, x.skip_holidays
    FROM (VALUES
        ('patrol_evening', '一号巡逻线（东门—菜市场—小学）', '{2,5}'::smallint[], 1140, 120, 3, 3, false),
        ('patrol_morning', '二号巡逻线（西门—公园—河边步道）', '{1,3,6}'::smallint[], 480, 120, 2, 2, false),
        ('station_duty', '幸福里便民服务站', '{1,2,3,4,5}'::smallint[], 540, 180, 2, 3, true),
        ('station_duty', '幸福里便民服务站', '{1,2,3,4,5}'::smallint[], 840, 180, 2, 3, true),
        ('library_duty', '社区图书室', '{6,7}'::smallint[], 840, 180, 1, 2, true),
        ('canteen_help', '长者食堂', '{1,2,3,4,5}'::smallint[], 660, 90, 2, 3, true)
    ) AS x(st_code, place_name, weekdays, sm, mins, hmin, hmax, skip_holidays)
    JOIN service_types st ON st.community_id = c AND st.code = x.st_code
    JOIN places pl ON pl.community_id = c AND pl.name = x.place_name;

    -- Slots of last, this and next week from the templates, honouring holidays and 调休 days
    -- (the community's own entry wins over the national one).
    INSERT INTO slots (community_id, service_type_id, place_id, team_id, template_id, starts_at, ends_at,
                       headcount_min, headcount_max)
    SELECT c, t.service_type_id, t.place_id, t.team_id, t.id,
           (gs.d::date::timestamp + make_interval(mins => t.start_minute)) AT TIME ZONE tz,
           (gs.d::date::timestamp + make_interval(mins => t.start_minute + t.minutes)) AT TIME ZONE tz,
           t.headcount_min, t.headcount_max
    FROM slot_templates t
    CROSS JOIN generate_series(mon_prev::timestamp, (mon_next + 6)::timestamp, interval '1 day') AS gs(d)
    LEFT JOIN LATERAL (
        SELECT cd.kind, cd.works_as_weekday FROM calendar_days cd
        WHERE cd.day = gs.d::date AND (cd.community_id = c OR cd.community_id IS NULL)
        ORDER BY cd.community_id IS NULL LIMIT 1) AS cal ON true
    WHERE t.community_id = c AND t.is_active
      AND gs.d::date >= t.valid_from AND (t.valid_until IS NULL OR gs.d::date <= t.valid_until)
      AND coalesce(cal.works_as_weekday, extract(isodow FROM gs.d)::int) = ANY (t.weekdays)
      AND NOT (t.skip_holidays AND cal.kind IS NOT DISTINCT FROM 'holiday');

    -- A one-off slot: the 邻里节 next Saturday morning.
    INSERT INTO slots (community_id, service_type_id, place_id, starts_at, ends_at, headcount_min, headcount_max, note)
    SELECT c, st.id, pl.id, (mon_next + 5)::timestamp AT TIME ZONE tz + interval '9 hours',
           (mon_next + 5)::timestamp AT TIME ZONE tz + interval '12 hours', 6, 10, '邻里节：签到、引导、秩序维护、茶水'
    FROM service_types st, places pl
    WHERE st.community_id = c AND st.code = 'event_support' AND pl.community_id = c AND pl.name = '社区服务大厅';

    -- Bookings through the service desk -------------------------------------------------------
    INSERT INTO booking_recurrences (community_id, resident_id, service_type_id, weekday, window_start, window_end,
                                     minutes, valid_from, notes, created_by, created_at)
    SELECT c, r.id, st.id, x.wd, x.ws, x.we, st.default_minutes, mon0 - 42, x.notes, u_desk,
           (mon0 - 45)::timestamp AT TIME ZONE tz + interval '10 hours'
    FROM (VALUES
        ('R0004', 'companionship', 3, 540, 660, '每周三上午陪聊，结对帮扶'),
        ('R0016', 'welfare_check', 5, 900, 1020, '独居老人每周五下午探访，看看水电煤气')
    ) AS x(res, st_code, wd, ws, we, notes)
    JOIN residents r ON r.community_id = c AND r.external_id = x.res
    JOIN service_types st ON st.community_id = c AND st.code = x.st_code;

    -- Each booking gets its own visit slot at the resident's home, placed at the start of its
    -- first window. wk: -1 last week, 0 this week, 1 next week; d: ISO weekday.
    FOR bk IN
        SELECT x.*, r.id AS resident_id, r.place_id, st.id AS st_id, st.default_minutes, st.headcount_min AS hmin,
               st.headcount_max AS hmax, NULL::uuid AS rec_id, row_number() OVER (ORDER BY x.wk, x.d, x.ws, x.res) AS n
        FROM (VALUES
            (-1, 2, 'R0005', 'bathing', 570, 690, NULL::int, NULL::int, NULL::int, '需要两人协助，浴室有扶手'::text, NULL::text),
            (-1, 4, 'R0009', 'medical_escort', 480, 720, NULL, NULL, NULL, '社区医院复查血糖', NULL),
            (-1, 1, 'R0012', 'haircut', 840, 960, NULL, NULL, NULL, NULL, NULL),
            (-1, 3, 'R0020', 'meal_delivery', 660, 720, NULL, NULL, NULL, '低盐低糖', NULL),
            (-1, 5, 'R0007', 'cleaning', 840, 1020, NULL, NULL, NULL, '听力较弱，敲门后请稍等', NULL),
            (-1, 4, 'R0028', 'welfare_check', 900, 1020, NULL, NULL, NULL, NULL, NULL),
            (0, 2, 'R0010', 'bathing', 570, 690, NULL, NULL, NULL, '需要两人协助', NULL),
            (0, 4, 'R0015', 'bathing', 570, 690, NULL, NULL, NULL, '需要两人协助，老人习惯温水', NULL),
            (0, 2, 'R0021', 'medical_escort', 480, 720, NULL, NULL, NULL, '区医院眼科复诊，已预约', NULL),
            (0, 1, 'R0002', 'haircut', 840, 960, NULL, NULL, NULL, NULL, NULL),
            (0, 2, 'R0024', 'welfare_check', 600, 660, NULL, NULL, NULL, NULL, NULL),
            (0, 5, 'R0003', 'errands', 540, 660, NULL, NULL, NULL, '代买米面油，钱已交给服务站', NULL),
            (0, 6, 'R0014', 'companionship', 840, 960, NULL, NULL, NULL, '听力较弱，请大声说话', NULL),
            (0, 7, 'R0027', 'companionship', 840, 960, NULL, NULL, NULL, '老人爱下象棋，可以陪下两盘', NULL),
            (0, 4, 'R0001', 'cleaning', 840, 1020, NULL, NULL, NULL, '重点打扫厨房', NULL),
            (1, 2, 'R0005', 'bathing', 570, 690, 4, 570, 690, '需要两人协助，浴室有扶手', NULL),
            (1, 3, 'R0020', 'bathing', 840, 960, 5, 840, 960, '结对护理员优先', NULL),
            (1, 4, 'R0030', 'bathing', 540, 660, NULL, NULL, NULL, '需要两人协助', NULL),
            (1, 1, 'R0025', 'mobility_help', 540, 660, NULL, NULL, NULL, '陪同到社区卫生服务站量血压', NULL),
            (1, 2, 'R0010', 'medical_escort', 480, 720, NULL, NULL, NULL, '市第一医院心内科复诊，已挂9:30的号', NULL),
            (1, 4, 'R0027', 'medical_escort', 480, 720, NULL, NULL, NULL, '区医院取药、复查', NULL),
            (1, 1, 'R0001', 'cleaning', 840, 1020, 3, 840, 1020, NULL, NULL),
            (1, 3, 'R0016', 'cleaning', 540, 720, NULL, NULL, NULL, NULL, NULL),
            (1, 5, 'R0029', 'cleaning', 540, 720, NULL, NULL, NULL, '换季衣物整理', NULL),
            (1, 2, 'R0012', 'haircut', 840, 960, 4, 840, 960, NULL, NULL),
            (1, 4, 'R0018', 'haircut', 840, 960, NULL, NULL, NULL, NULL, NULL),
            (1, 5, 'R0026', 'haircut', 840, 960, NULL, NULL, NULL, NULL, NULL),
            (1, 1, 'R0008', 'welfare_check', 900, 1020, NULL, NULL, NULL, '独居，结对志愿者探访', NULL),
            (1, 3, 'R0024', 'welfare_check', 900, 1020, NULL, NULL, NULL, NULL, NULL),
            (1, 4, 'R0028', 'welfare_check', 600, 690, NULL, NULL, NULL, '听力较弱，请大声说话', NULL),
            (1, 3, 'R0007', 'companionship', 840, 960, NULL, NULL, NULL, '听力较弱，请大声说话，慢慢说', NULL),
            (1, 7, 'R0021', 'companionship', 840, 960, NULL, NULL, NULL, NULL, NULL),
            (1, 1, 'R0013', 'errands', 540, 660, NULL, NULL, NULL, '代购降压药（硝苯地平缓释片）和蔬菜', NULL),
            (1, 2, 'R0017', 'meal_delivery', 660, 720, NULL, NULL, NULL, '软烂少盐', NULL),
            (1, 4, 'R0023', 'errands', 540, 660, NULL, NULL, NULL, NULL, NULL),
            (1, 5, 'R0019', 'cleaning', 840, 1020, NULL, NULL, NULL, NULL, '家属接回家住几天')
        ) AS x(wk, d, res, st_code, ws, we, d2, ws2, we2, notes, cancel_reason)
        JOIN residents r ON r.community_id = c AND r.external_id = x.res
        JOIN service_types st ON st.community_id = c AND st.code = x.st_code
        UNION ALL
        SELECT w.wk, br.weekday, r.external_id, st.code, br.window_start, br.window_end, NULL, NULL, NULL, br.notes, NULL,
               r.id, r.place_id, st.id, br.minutes, st.headcount_min, st.headcount_max, br.id, 100 + w.wk * 10 + br.weekday
        FROM booking_recurrences br
        JOIN residents r ON r.id = br.resident_id
        JOIN service_types st ON st.id = br.service_type_id
        CROSS JOIN (VALUES (-1), (0), (1)) AS w(wk)
        WHERE br.community_id = c
        ORDER BY 1, 2, 5, 3
    LOOP
        wk := mon0 + 7 * bk.wk;
        dd := wk + bk.d - 1;
        INSERT INTO slots (community_id, service_type_id, place_id, starts_at, ends_at, headcount_min, headcount_max,
                           status, note)
        VALUES (c, bk.st_id, bk.place_id, (dd::timestamp + make_interval(mins => bk.ws)) AT TIME ZONE tz,
                (dd::timestamp + make_interval(mins => bk.ws + bk.default_minutes)) AT TIME ZONE tz, bk.hmin, bk.hmax,
                CASE WHEN bk.cancel_reason IS NULL THEN 'open' ELSE 'cancelled' END::slot_status, bk.notes)
        RETURNING id INTO sid;
        INSERT INTO bookings (community_id, resident_id, service_type_id, minutes, notes, state, state_reason, slot_id,
                              recurrence_id, booked_by, booked_at, updated_at)
        VALUES (c, bk.resident_id, bk.st_id, bk.default_minutes, bk.notes,
                CASE
                    WHEN bk.cancel_reason IS NOT NULL THEN 'cancelled'
                    WHEN bk.wk = 1 THEN 'requested'
                    WHEN bk.wk = -1 AND bk.res = 'R0007' THEN 'no_show'
                    WHEN (dd::timestamp + make_interval(mins => bk.ws + bk.default_minutes)) AT TIME ZONE tz <= today0 THEN 'done'
                    ELSE 'scheduled'
                END::booking_state,
                CASE
                    WHEN bk.cancel_reason IS NOT NULL THEN bk.cancel_reason
                    WHEN bk.wk = -1 AND bk.res = 'R0007' THEN '上门时家中无人，电话联系家属得知老人临时去女儿家'
                END,
                sid, bk.rec_id, u_desk,
                CASE WHEN bk.wk = 1 THEN now() - make_interval(hours => 3 * (40 - bk.n::int % 40))
                     ELSE (wk - 4)::timestamp AT TIME ZONE tz + make_interval(hours => 9, mins => 10 * bk.n::int) END,
                CASE WHEN bk.cancel_reason IS NOT NULL THEN now() - interval '1 hour'
                     WHEN bk.wk = 1 THEN now() - make_interval(hours => 3 * (40 - bk.n::int % 40))
                     ELSE least(now(), (dd::timestamp + make_interval(mins => bk.we + 120)) AT TIME ZONE tz) END)
        RETURNING id INTO bid;
        INSERT INTO booking_windows (booking_id, community_id, during)
        VALUES (bid, c, tstzrange((dd::timestamp + make_interval(mins => bk.ws)) AT TIME ZONE tz,
                                  (dd::timestamp + make_interval(mins => bk.we)) AT TIME ZONE tz));
        IF bk.d2 IS NOT NULL THEN
            INSERT INTO booking_windows (booking_id, community_id, during)
            VALUES (bid, c, tstzrange((wk + bk.d2 - 1)::timestamp AT TIME ZONE tz + make_interval(mins => bk.ws2),
                                      (wk + bk.d2 - 1)::timestamp AT TIME ZONE tz + make_interval(mins => bk.we2)));
        END IF;
    END LOOP;

    -- Rosters ----------------------------------------------------------------------------------
    -- Filled the way a careful coordinator would: patrols first (the leader on every one),
    -- then visits by priority, then duty; every hard rule respected (skills valid on the day,
    -- availability, absences, same sex for bathing, declined volunteers, evening/night limits,
    -- shifts and minutes per day and week, rest and travel time, no double booking).
    -- Phase 1: last week v1 (later superseded); 2: last week v2 (re-planned after an illness,
    -- published); 3: this week v1 (published); 4: next week v1 (draft: patrols and paired visits).
    INSERT INTO rosters (community_id, week_start, version, state, created_by, created_at, published_by, published_at)
    VALUES (c, mon_prev, 1, 'superseded', u_coord, (mon_prev - 4)::timestamp AT TIME ZONE tz + interval '15 hours',
            u_coord, (mon_prev - 3)::timestamp AT TIME ZONE tz + interval '17 hours')
    RETURNING id INTO r_prev1;

    FOR ph IN 1..4 LOOP
        IF ph = 1 THEN
            rid := r_prev1; wk := mon_prev; live_flag := false;
        ELSIF ph = 2 THEN
            -- The first volunteer on duty from last Wednesday on phoned in sick the evening before
            -- (off for two days); the coordinator re-planned and published version 2 that night.
            SELECT a.volunteer_id, (sl.starts_at AT TIME ZONE tz)::date INTO sick, dd
            FROM assignments a JOIN slots sl ON sl.id = a.slot_id JOIN service_types st ON st.id = sl.service_type_id
            JOIN volunteers vol ON vol.id = a.volunteer_id
            WHERE a.roster_id = r_prev1 AND st.kind = 'duty' AND sl.starts_at >= (mon_prev + 2)::timestamp AT TIME ZONE tz
            ORDER BY sl.starts_at, vol.external_id LIMIT 1;
            IF sick IS NOT NULL THEN
                INSERT INTO volunteer_absences (volunteer_id, community_id, during, reason, note, created_at)
                VALUES (sick, c, tstzrange(dd::timestamp AT TIME ZONE tz, (dd + 2)::timestamp AT TIME ZONE tz),
                        'ill', '感冒发烧，前一天晚上打电话请假', (dd - 1)::timestamp AT TIME ZONE tz + interval '20 hours');
            END IF;
            INSERT INTO rosters (community_id, week_start, version, state, based_on_roster_id, created_by, created_at,
                                 published_by, published_at)
            VALUES (c, mon_prev, 2, 'published', r_prev1, u_coord,
                    (coalesce(dd, mon_prev + 2) - 1)::timestamp AT TIME ZONE tz + interval '21 hours',
                    u_coord, (coalesce(dd, mon_prev + 2) - 1)::timestamp AT TIME ZONE tz + interval '21 hours 30 minutes')
            RETURNING id INTO r_prev2;
            INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, during, is_live, created_by, created_at)
            SELECT r_prev2, c, a.slot_id, a.volunteer_id, a.during, true, u_coord, a.created_at
            FROM assignments a
            WHERE a.roster_id = r_prev1
              AND NOT EXISTS (SELECT 1 FROM volunteer_absences ab WHERE ab.volunteer_id = a.volunteer_id AND ab.during && a.during);
            rid := r_prev2; wk := mon_prev; live_flag := true;
        ELSIF ph = 3 THEN
            INSERT INTO rosters (community_id, week_start, version, state, created_by, created_at, published_by, published_at)
            VALUES (c, mon0, 1, 'published', u_coord, (mon0 - 4)::timestamp AT TIME ZONE tz + interval '15 hours',
                    u_coord, (mon0 - 3)::timestamp AT TIME ZONE tz + interval '17 hours 30 minutes')
            RETURNING id INTO r_this;
            rid := r_this; wk := mon0; live_flag := true;
        ELSE
            INSERT INTO rosters (community_id, week_start, version, state, created_by)
            VALUES (c, mon_next, 1, 'draft', u_coord)
            RETURNING id INTO r_next;
            rid := r_next; wk := mon_next; live_flag := false;
        END IF;

        FOR s IN
            SELECT sl.id, sl.starts_at, sl.ends_at, sl.during, sl.team_id, sl.place_id, sl.service_type_id,
                   sl.headcount_min, st.kind, st.needs_leader, st.never_alone, st.same_sex_as_resident,
                   b.resident_id, rs.sex AS resident_sex,
                   extract(isodow FROM sl.starts_at AT TIME ZONE tz)::int AS dow,
                   (extract(hour FROM sl.starts_at AT TIME ZONE tz) * 60 + extract(minute FROM sl.starts_at AT TIME ZONE tz))::int AS sm,
                   (extract(epoch FROM sl.ends_at - sl.starts_at) / 60)::int AS mins,
                   (sl.starts_at AT TIME ZONE tz)::date AS sday
            FROM slots sl
            JOIN service_types st ON st.id = sl.service_type_id
            LEFT JOIN places pl ON pl.id = sl.place_id
            LEFT JOIN bookings b ON b.slot_id = sl.id
            LEFT JOIN residents rs ON rs.id = b.resident_id
            WHERE sl.community_id = c AND sl.status = 'open'
              AND sl.starts_at >= wk::timestamp AT TIME ZONE tz AND sl.starts_at < (wk + 7)::timestamp AT TIME ZONE tz
              AND (ph < 4 OR st.kind = 'patrol'
                   OR EXISTS (SELECT 1 FROM resident_volunteer_preferences rp WHERE rp.resident_id = b.resident_id AND rp.prefers))
            ORDER BY CASE st.kind WHEN 'patrol' THEN 0 WHEN 'home_visit' THEN 1 ELSE 2 END, st.priority DESC, sl.starts_at,
                     st.code, pl.name, rs.external_id
        LOOP
            SELECT count(*) INTO have_n FROM assignments a WHERE a.roster_id = rid AND a.slot_id = s.id;
            WHILE have_n < s.headcount_min LOOP
                leader_needed := s.needs_leader AND NOT EXISTS (
                    SELECT 1 FROM assignments a
                    JOIN patrol_team_members m ON m.volunteer_id = a.volunteer_id AND m.team_id = s.team_id AND m.is_leader
                    WHERE a.roster_id = rid AND a.slot_id = s.id);
                SELECT vol.id INTO pick
                FROM volunteers vol
                WHERE vol.community_id = c AND vol.is_active
                  AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.roster_id = rid AND a.slot_id = s.id AND a.volunteer_id = vol.id)
                  -- patrols: members of the slot's team, the leader first where one is needed
                  AND (s.team_id IS NULL OR EXISTS (
                        SELECT 1 FROM patrol_team_members m WHERE m.team_id = s.team_id AND m.volunteer_id = vol.id
                          AND (m.is_leader OR NOT leader_needed)))
                  -- every required skill, its certificate valid beyond the day of the slot
                  AND NOT EXISTS (
                        SELECT 1 FROM service_type_skills sts WHERE sts.service_type_id = s.service_type_id
                          AND NOT EXISTS (SELECT 1 FROM volunteer_skills vs WHERE vs.volunteer_id = vol.id AND vs.skill_id = sts.skill_id
                                            AND (vs.expires_on IS NULL OR vs.expires_on > s.sday)))
                  AND EXISTS (SELECT 1 FROM volunteer_availability av WHERE av.volunteer_id = vol.id AND av.weekday = s.dow
                                AND av.start_minute <= s.sm AND av.end_minute >= s.sm + s.mins)
                  AND NOT EXISTS (SELECT 1 FROM volunteer_absences ab WHERE ab.volunteer_id = vol.id AND ab.during && s.during)
                  AND (NOT s.same_sex_as_resident OR vol.sex = s.resident_sex)
                  AND NOT EXISTS (SELECT 1 FROM resident_volunteer_preferences rp
                                  WHERE rp.resident_id = s.resident_id AND rp.volunteer_id = vol.id AND NOT rp.prefers)
                  AND NOT (vol.no_evening AND (s.sm < 360 OR s.sm + s.mins > 1080))
                  AND NOT (vol.no_night AND (s.sm < 360 OR s.sm + s.mins > 1320))
                  -- no overlap, and rest (at least 30 minutes, enough to walk between grids)
                  AND NOT EXISTS (
                        SELECT 1 FROM assignments a WHERE a.volunteer_id = vol.id AND (a.roster_id = rid OR a.is_live)
                          AND a.during && tstzrange(s.starts_at - make_interval(mins => greatest(coalesce(vol.min_rest_minutes, 0), 30)),
                                                    s.ends_at + make_interval(mins => greatest(coalesce(vol.min_rest_minutes, 0), 30))))
                  AND (SELECT count(*) FROM assignments a WHERE a.roster_id = rid AND a.volunteer_id = vol.id)
                        < coalesce(vol.max_shifts_per_week, 100)
                  AND (SELECT coalesce(sum(upper(a.during) - lower(a.during)), interval '0') FROM assignments a
                       WHERE a.roster_id = rid AND a.volunteer_id = vol.id) + make_interval(mins => s.mins)
                        <= make_interval(mins => coalesce(vol.max_minutes_per_week, 10080))
                  AND (SELECT count(*) FROM assignments a WHERE a.roster_id = rid AND a.volunteer_id = vol.id
                         AND (lower(a.during) AT TIME ZONE tz)::date = s.sday) < coalesce(vol.max_shifts_per_day, 100)
                  AND (SELECT coalesce(sum(upper(a.during) - lower(a.during)), interval '0') FROM assignments a
                       WHERE a.roster_id = rid AND a.volunteer_id = vol.id AND (lower(a.during) AT TIME ZONE tz)::date = s.sday)
                        + make_interval(mins => s.mins) <= make_interval(mins => coalesce(vol.max_minutes_per_day, 1440))
                ORDER BY
                    EXISTS (SELECT 1 FROM resident_volunteer_preferences rp
                            WHERE rp.resident_id = s.resident_id AND rp.volunteer_id = vol.id AND rp.prefers) DESC,
                    (SELECT coalesce(sum(CASE WHEN vp.prefers THEN vp.weight ELSE -vp.weight END), 0)
                     FROM volunteer_preferences vp
                     WHERE vp.volunteer_id = vol.id
                       AND (vp.place_id IS NULL OR vp.place_id = s.place_id)
                       AND (vp.service_type_id IS NULL OR vp.service_type_id = s.service_type_id)
                       AND (vp.weekday IS NULL OR vp.weekday = s.dow)
                       AND (vp.start_minute IS NULL OR (vp.start_minute < s.sm + s.mins AND vp.end_minute > s.sm))) DESC,
                    (SELECT coalesce(sum(upper(a.during) - lower(a.during)), interval '0') FROM assignments a
                     WHERE a.roster_id = rid AND a.volunteer_id = vol.id) ASC,
                    vol.external_id
                LIMIT 1;
                EXIT WHEN pick IS NULL;
                INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, during, is_live, created_by)
                VALUES (rid, c, s.id, pick, s.during, live_flag, u_coord);
                have_n := have_n + 1;
            END LOOP;
            -- Never alone: one person on a patrol or a bath is worse than nobody.
            IF s.never_alone AND have_n = 1 THEN
                DELETE FROM assignments WHERE roster_id = rid AND slot_id = s.id;
            END IF;
        END LOOP;
    END LOOP;

    -- In next week's draft the coordinator pins the 结对 volunteer for R0004's Wednesday visit.
    UPDATE assignments a SET is_pinned = true,
        reason = '结对帮扶：独居老人只认熟悉的志愿者，固定由' || vol.name || '每周三上门陪聊，请勿调换'
    FROM bookings b, residents r, volunteers vol
    WHERE a.roster_id = r_next AND b.slot_id = a.slot_id AND r.id = b.resident_id AND r.external_id = 'R0004'
      AND vol.id = a.volunteer_id AND vol.external_id = 'V0030';

    -- Attendance (books 志愿服务时长 through the trigger) ------------------------------------------
    -- Last week: everybody recorded; this week: the days before today.
    INSERT INTO attendance (assignment_id, community_id, status, minutes, note, recorded_by, recorded_at)
    SELECT a.id, c, 'attended',
           CASE WHEN b.state = 'no_show' THEN 20 ELSE (extract(epoch FROM upper(a.during) - lower(a.during)) / 60)::int END,
           CASE WHEN b.state = 'no_show' THEN '上门无人应答，已电话联系家属' END,
           u_coord, least(now(), upper(a.during) + interval '3 hours')
    FROM assignments a LEFT JOIN bookings b ON b.slot_id = a.slot_id
    WHERE a.roster_id IN (r_prev2, r_this) AND upper(a.during) <= today0;

    -- Corrections: one no-show at last Friday afternoon's station duty, one late patrol member
    -- last Monday, one late canteen helper this week (the ledger gets the negative difference).
    SELECT a.id INTO a_id
    FROM assignments a JOIN slots sl ON sl.id = a.slot_id JOIN service_types st ON st.id = sl.service_type_id
    JOIN volunteers vol ON vol.id = a.volunteer_id
    WHERE a.roster_id = r_prev2 AND st.code = 'station_duty'
      AND sl.starts_at = (mon_prev + 4)::timestamp AT TIME ZONE tz + interval '14 hours'
    ORDER BY vol.external_id DESC LIMIT 1;
    UPDATE attendance SET status = 'absent', minutes = 0, note = '未到岗，事后说明临时身体不适，未来得及请假'
    WHERE assignment_id = a_id;

    SELECT a.id INTO a_id
    FROM assignments a JOIN slots sl ON sl.id = a.slot_id JOIN service_types st ON st.id = sl.service_type_id
    JOIN volunteers vol ON vol.id = a.volunteer_id
    JOIN patrol_team_members m ON m.volunteer_id = a.volunteer_id AND m.team_id = sl.team_id AND NOT m.is_leader
    WHERE a.roster_id = r_prev2 AND st.code = 'patrol_morning' AND (sl.starts_at AT TIME ZONE tz)::date = mon_prev
    ORDER BY vol.external_id LIMIT 1;
    UPDATE attendance SET status = 'late', minutes = minutes - 20, note = '迟到20分钟（送孙子上学）'
    WHERE assignment_id = a_id;

    SELECT a.id INTO a_id
    FROM assignments a JOIN slots sl ON sl.id = a.slot_id JOIN service_types st ON st.id = sl.service_type_id
    JOIN volunteers vol ON vol.id = a.volunteer_id
    WHERE a.roster_id = r_this AND st.code = 'canteen_help' AND upper(a.during) <= today0
    ORDER BY sl.starts_at, vol.external_id LIMIT 1;
    UPDATE attendance SET status = 'late', minutes = minutes - 15, note = '迟到15分钟，路上堵车'
    WHERE assignment_id = a_id;

    -- Hours given outside any slot, entered by hand (线下活动补录).
    INSERT INTO service_hours (community_id, volunteer_id, assignment_id, service_kind, served_at, minutes, reason, recorded_by)
    SELECT c, vol.id, NULL, 'duty', (mon_prev + 6)::timestamp AT TIME ZONE tz + interval '9 hours', 120,
           '垃圾分类宣传（线下活动补录）', u_coord
    FROM volunteers vol WHERE vol.community_id = c AND vol.external_id IN ('V0020', 'V0040', 'V0045');
END
$demo$;
