-- Demo data: 和平街道 / 幸福里社区, with grids, places, volunteers, a 三老巡逻队 and elderly
-- residents. Loaded by `linli demo load`; running it again changes nothing.
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
END
$demo$;
