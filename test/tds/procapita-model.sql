-- School units (enhet) and the school forms (skolform) each runs.
CREATE TABLE school_unit (
  unit_id     uniqueidentifier NOT NULL PRIMARY KEY,
  unit_code   nvarchar(20)     NOT NULL,   -- the short code admins know, used in the configuration
  name        nvarchar(200)    NOT NULL,
  start_date  date             NULL,
  end_date    date             NULL
);
CREATE TABLE school_unit_form (
  unit_id     uniqueidentifier NOT NULL REFERENCES school_unit,
  school_form nvarchar(4)      NOT NULL,   -- PC, FS, F, FK, GR, S, GY, GS, SF, SV, KV, YH
  start_date  date             NULL,
  end_date    date             NULL
);

-- Everyone: pupils, staff and others (guardians, for instance).
CREATE TABLE person (
  person_id          uniqueidentifier NOT NULL PRIMARY KEY,  -- the ProCapita GUID
  given_name         nvarchar(100)    NULL,
  family_name        nvarchar(100)    NULL,
  personal_number    nvarchar(13)     NULL,   -- personnummer or samordningsnummer
  email              nvarchar(254)    NULL,
  protected_identity tinyint          NULL,   -- 0 none, 1 sekretessmarkering, 2 skyddad folkbokföring, 3 both
  deregistered       bit              NOT NULL,
  deceased           bit              NOT NULL
);

-- Classes (klass) and pupils' class placements (klassplacering).
CREATE TABLE school_class (
  class_id    uniqueidentifier NOT NULL PRIMARY KEY,
  unit_id     uniqueidentifier NOT NULL REFERENCES school_unit,
  school_form nvarchar(4)      NOT NULL,
  name        nvarchar(100)    NOT NULL,
  start_date  date             NULL,
  end_date    date             NULL
);
CREATE TABLE class_placement (
  placement_id uniqueidentifier NOT NULL PRIMARY KEY,
  person_id    uniqueidentifier NOT NULL REFERENCES person,
  class_id     uniqueidentifier NOT NULL REFERENCES school_class,
  start_date   date             NULL,
  end_date     date             NULL
);
-- Staff linked to a class (mentor, klassföreståndare).
CREATE TABLE class_staff (
  class_id  uniqueidentifier NOT NULL REFERENCES school_class,
  person_id uniqueidentifier NOT NULL REFERENCES person
);

-- Groups (grupp) other than classes, and their members.
CREATE TABLE student_group (
  group_id    uniqueidentifier NOT NULL PRIMARY KEY,
  unit_id     uniqueidentifier NOT NULL REFERENCES school_unit,
  school_form nvarchar(4)      NOT NULL,
  name        nvarchar(100)    NOT NULL,
  start_date  date             NULL,
  end_date    date             NULL
);
CREATE TABLE group_membership (
  group_id   uniqueidentifier NOT NULL REFERENCES student_group,
  person_id  uniqueidentifier NOT NULL REFERENCES person,
  start_date date             NULL,
  end_date   date             NULL
);

-- Staff employments (anställning) at a unit.
CREATE TABLE employment (
  employment_id uniqueidentifier NOT NULL PRIMARY KEY,
  person_id     uniqueidentifier NOT NULL REFERENCES person,
  unit_id       uniqueidentifier NOT NULL REFERENCES school_unit,
  start_date    date             NULL,
  end_date      date             NULL
);

-- Activities (aktivitet): what becomes a teaching group (undervisningsgrupp).
CREATE TABLE activity (
  activity_id uniqueidentifier NOT NULL PRIMARY KEY,
  unit_id     uniqueidentifier NOT NULL REFERENCES school_unit,
  school_form nvarchar(4)      NOT NULL,
  name        nvarchar(200)    NOT NULL,
  notes       nvarchar(max)    NULL,      -- övrigt: carries the PORTAL marker
  start_date  date             NULL,
  end_date    date             NULL,
  cancelled   bit              NOT NULL
);
CREATE TABLE activity_class (
  activity_id uniqueidentifier NOT NULL REFERENCES activity,
  class_id    uniqueidentifier NOT NULL REFERENCES school_class
);
CREATE TABLE activity_group (
  activity_id uniqueidentifier NOT NULL REFERENCES activity,
  group_id    uniqueidentifier NOT NULL REFERENCES student_group
);
CREATE TABLE activity_staff (
  activity_id uniqueidentifier NOT NULL REFERENCES activity,
  person_id   uniqueidentifier NOT NULL REFERENCES person
);
