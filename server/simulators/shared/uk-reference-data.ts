/**
 * Name, street and town pools for the UK people generator. Frequencies are rough, not census
 * figures: the aim is data that looks like a British agency's contact book, apostrophes,
 * hyphens and accents included, so adapters meet them in tests rather than in production.
 */

export const FEMALE_FORENAMES = [
  'Olivia', 'Amelia', 'Isla', 'Ava', 'Emily', 'Sophie', 'Grace', 'Lily', 'Freya', 'Ella',
  'Charlotte', 'Jessica', 'Hannah', 'Lucy', 'Sarah', 'Emma', 'Rebecca', 'Laura', 'Rachel', 'Helen',
  'Claire', 'Karen', 'Susan', 'Margaret', 'Patricia', 'Elizabeth', 'Catherine', 'Joanne', 'Nicola', 'Gemma',
  'Victoria', 'Amy', 'Megan', 'Chloe', 'Holly', 'Katie', 'Jennifer', 'Alison', 'Deborah', 'Julie',
  'Zoë', 'Chloë', 'Siân', 'Renée', 'Aoife', 'Niamh', 'Saoirse', 'Priya', 'Aisha', 'Fatima',
  'Amira', 'Zara', 'Maya', 'Ananya', 'Mei', 'Agnieszka', 'Oluwaseun', 'Chiamaka', 'Eilidh', 'Mairéad',
] as const;

export const MALE_FORENAMES = [
  'Oliver', 'George', 'Harry', 'Jack', 'Noah', 'Charlie', 'Thomas', 'James', 'William', 'Henry',
  'Daniel', 'Matthew', 'David', 'Michael', 'Christopher', 'Andrew', 'Richard', 'Paul', 'Mark', 'Stephen',
  'Robert', 'Peter', 'John', 'Ian', 'Simon', 'Gareth', 'Craig', 'Lee', 'Darren', 'Stuart',
  'Samuel', 'Joseph', 'Benjamin', 'Alexander', 'Edward', 'Luke', 'Adam', 'Ryan', 'Liam', 'Callum',
  'Seán', 'José', 'Rhys', 'Dafydd', 'Oisín', 'Ciarán', 'Mohammed', 'Ahmed', 'Arjun', 'Rohan',
  'Tomasz', 'Piotr', 'Chinedu', 'Kwame', 'Wei', 'Hamish', 'Angus', 'Eóin', 'Raphaël', 'Declan',
] as const;

export const SURNAMES = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
  'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
  'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill',
  'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen',
  'James', 'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths',
  'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy',
  'Miller', 'Cox', 'Richards', 'Khan', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh',
  'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali',
  'Hunt', 'Hussain', 'Campbell', 'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight',
  "O'Brien", "O'Connor", "O'Neill", "O'Sullivan", "D'Souza", "D'Arcy", 'McDonald', 'MacLeod', 'McKenzie', 'MacGregor',
  'Fitzgerald', 'Ahmed', 'Chen', 'Wong', 'Nowak', 'Kowalski', 'Okafor', 'Adeyemi', 'Mensah', 'Nguyen',
  'Sharma', 'Kaur', 'Iqbal', 'Rahman', 'Gallagher', 'Doyle', 'Quinn', 'Byrne', 'Llewellyn', 'Pritchard',
  'Brontë', 'Müller', 'Šimić', 'Gonçalves', 'Ní Bhriain', 'de Souza', 'van der Berg', 'Fairweather', 'Ashworth', 'Threlfall',
] as const;

/** Surname pairs sometimes joined with a hyphen ("Smith-Jones"). */
export const DOUBLE_BARREL_PARTS = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Hughes', 'Lloyd', 'Webber', 'Vaughan', 'Carter', 'Howard',
  'Baker', 'Hall', 'Wood', 'Hart', 'Blake', 'Parry', 'Rees', 'Owen', 'Ellis', 'Grant',
] as const;

export const STREET_NAMES = [
  'Victoria', 'Albert', 'Church', 'Station', 'Park', 'Mill', 'High', 'Queen', 'King', 'York',
  'Manor', 'Elm', 'Oak', 'Beech', 'Willow', 'Chestnut', 'Orchard', 'Meadow', 'Grange', 'Windsor',
  'Highfield', 'Springfield', 'Stanley', 'Clarence', 'Cromwell', 'Nelson', 'Wellington', 'Hawthorn', 'Rosebery', 'Ashgrove',
  'Belmont', 'Cavendish', 'Devonshire', 'Egerton', 'Fernbank', 'Glebe', 'Hanover', 'Kingsway', 'Lansdowne', 'Marlborough',
  'Newton', 'Osborne', 'Princes', 'Regent', 'St Mary\'s', 'St John\'s', 'Trinity', 'Vicarage', 'Waterloo', 'Rectory',
] as const;

export const STREET_SUFFIXES = [
  'Road', 'Street', 'Avenue', 'Lane', 'Close', 'Gardens', 'Crescent', 'Drive', 'Way', 'Grove', 'Terrace', 'Place',
] as const;

export const BUILDING_NAMES = [
  'Rose Cottage', 'The Old Rectory', 'Ivy House', 'The Coach House', 'Orchard View', 'Meadowside', 'The Barn',
  'Flat 1', 'Flat 2', 'Flat 3', 'Flat 4A', 'Flat 12', 'Apartment 7', 'Albion Court', 'Waterside House', 'Primrose Lodge',
] as const;

/** Ofcom drama-range landline blocks (1,000 numbers each), as E.164 prefixes missing the last 3 digits. */
export const LANDLINE_BLOCKS = {
  london: '+442079460', // 020 7946 0xxx
  manchester: '+441614960', // 0161 496 0xxx
  leeds: '+441134960', // 0113 496 0xxx
  birmingham: '+441214960', // 0121 496 0xxx
  bristol: '+441174960', // 0117 496 0xxx
  sheffield: '+441144960', // 0114 496 0xxx
  nottingham: '+441154960', // 0115 496 0xxx
  liverpool: '+441514960', // 0151 496 0xxx
  newcastle: '+441914980', // 0191 498 0xxx
  glasgow: '+441414960', // 0141 496 0xxx
  edinburgh: '+441314960', // 0131 496 0xxx
  cardiff: '+442920180', // 029 2018 0xxx
  belfast: '+442896496', // 028 9649 6xxx
  none: '+441632960', // 01632 960xxx, Ofcom's range with no real area
} as const;
export type LandlineBlock = keyof typeof LANDLINE_BLOCKS;

/** Ofcom drama-range mobiles: 07700 900000 to 07700 900999, as an E.164 prefix. */
export const MOBILE_BLOCK = '+447700900';

export interface TownArea {
  readonly outward: string;
  readonly district: string;
}
export interface Town {
  readonly town: string;
  readonly county: string;
  readonly areas: readonly TownArea[];
  readonly landline: LandlineBlock;
  /** Relative share of the population. */
  readonly weight: number;
}

function areas(...pairs: ReadonlyArray<readonly [string, string]>): TownArea[] {
  return pairs.map(([outward, district]) => ({ outward, district }));
}

export const TOWNS: readonly Town[] = [
  {
    town: 'London', county: 'Greater London', landline: 'london', weight: 18,
    areas: areas(['SW11', 'Battersea'], ['SE15', 'Peckham'], ['N16', 'Stoke Newington'], ['E8', 'Hackney'],
      ['NW5', 'Kentish Town'], ['W12', "Shepherd's Bush"], ['SW4', 'Clapham'], ['E14', 'Canary Wharf'],
      ['N1', 'Islington'], ['SE22', 'East Dulwich']),
  },
  {
    town: 'Manchester', county: 'Greater Manchester', landline: 'manchester', weight: 7,
    areas: areas(['M14', 'Fallowfield'], ['M20', 'Didsbury'], ['M21', 'Chorlton'], ['M4', 'Ancoats'], ['M16', 'Old Trafford']),
  },
  {
    town: 'Leeds', county: 'West Yorkshire', landline: 'leeds', weight: 5,
    areas: areas(['LS6', 'Headingley'], ['LS8', 'Roundhay'], ['LS17', 'Alwoodley'], ['LS11', 'Beeston']),
  },
  {
    town: 'Birmingham', county: 'West Midlands', landline: 'birmingham', weight: 6,
    areas: areas(['B15', 'Edgbaston'], ['B13', 'Moseley'], ['B29', 'Selly Oak'], ['B5', 'Digbeth']),
  },
  {
    town: 'Bristol', county: 'Bristol', landline: 'bristol', weight: 4,
    areas: areas(['BS6', 'Redland'], ['BS7', 'Bishopston'], ['BS3', 'Bedminster'], ['BS8', 'Clifton']),
  },
  { town: 'Sheffield', county: 'South Yorkshire', landline: 'sheffield', weight: 3, areas: areas(['S10', 'Crookes'], ['S11', 'Ecclesall'], ['S7', 'Nether Edge']) },
  { town: 'Nottingham', county: 'Nottinghamshire', landline: 'nottingham', weight: 3, areas: areas(['NG7', 'Lenton'], ['NG5', 'Sherwood'], ['NG2', 'West Bridgford']) },
  { town: 'Liverpool', county: 'Merseyside', landline: 'liverpool', weight: 3, areas: areas(['L15', 'Wavertree'], ['L17', 'Aigburth'], ['L18', 'Allerton']) },
  { town: 'Newcastle upon Tyne', county: 'Tyne and Wear', landline: 'newcastle', weight: 2, areas: areas(['NE2', 'Jesmond'], ['NE6', 'Heaton'], ['NE3', 'Gosforth']) },
  { town: 'Glasgow', county: 'Lanarkshire', landline: 'glasgow', weight: 3, areas: areas(['G12', 'Hillhead'], ['G41', 'Shawlands'], ['G11', 'Partick']) },
  { town: 'Edinburgh', county: 'Midlothian', landline: 'edinburgh', weight: 3, areas: areas(['EH6', 'Leith'], ['EH10', 'Morningside'], ['EH3', 'Stockbridge']) },
  { town: 'Cardiff', county: 'South Glamorgan', landline: 'cardiff', weight: 2, areas: areas(['CF10', 'Butetown'], ['CF11', 'Canton'], ['CF14', 'Whitchurch'], ['CF24', 'Roath']) },
  { town: 'Belfast', county: 'County Antrim', landline: 'belfast', weight: 2, areas: areas(['BT7', 'Ormeau'], ['BT9', 'Malone'], ['BT4', 'Belmont']) },
  { town: 'Oxford', county: 'Oxfordshire', landline: 'none', weight: 2, areas: areas(['OX1', ''], ['OX2', 'Jericho'], ['OX4', 'Cowley']) },
  { town: 'Cambridge', county: 'Cambridgeshire', landline: 'none', weight: 2, areas: areas(['CB1', ''], ['CB2', 'Newnham'], ['CB4', 'Chesterton']) },
  { town: 'Brighton', county: 'East Sussex', landline: 'none', weight: 2, areas: areas(['BN1', ''], ['BN2', 'Kemptown'], ['BN3', 'Hove']) },
  { town: 'York', county: 'North Yorkshire', landline: 'none', weight: 2, areas: areas(['YO1', ''], ['YO10', 'Fulford'], ['YO31', 'Heworth']) },
  { town: 'Bath', county: 'Somerset', landline: 'none', weight: 1, areas: areas(['BA1', ''], ['BA2', 'Widcombe']) },
  { town: 'Reading', county: 'Berkshire', landline: 'none', weight: 2, areas: areas(['RG1', ''], ['RG4', 'Caversham'], ['RG30', 'Tilehurst']) },
  { town: 'Norwich', county: 'Norfolk', landline: 'none', weight: 1, areas: areas(['NR2', ''], ['NR3', ''], ['NR4', 'Eaton']) },
  { town: 'Exeter', county: 'Devon', landline: 'none', weight: 1, areas: areas(['EX1', ''], ['EX2', 'St Thomas'], ['EX4', 'Pennsylvania']) },
  { town: 'Harrogate', county: 'North Yorkshire', landline: 'none', weight: 1, areas: areas(['HG1', ''], ['HG2', 'Pannal']) },
  { town: 'Guildford', county: 'Surrey', landline: 'none', weight: 1, areas: areas(['GU1', ''], ['GU2', 'Onslow Village']) },
  { town: 'St Albans', county: 'Hertfordshire', landline: 'none', weight: 1, areas: areas(['AL1', ''], ['AL3', '']) },
  { town: 'Milton Keynes', county: 'Buckinghamshire', landline: 'none', weight: 1, areas: areas(['MK9', ''], ['MK10', 'Broughton']) },
  { town: 'Chester', county: 'Cheshire', landline: 'none', weight: 1, areas: areas(['CH1', ''], ['CH2', 'Hoole']) },
  { town: 'Bournemouth', county: 'Dorset', landline: 'none', weight: 1, areas: areas(['BH1', ''], ['BH8', 'Charminster']) },
  { town: 'Leicester', county: 'Leicestershire', landline: 'none', weight: 1, areas: areas(['LE1', ''], ['LE2', 'Clarendon Park']) },
  { town: 'Southampton', county: 'Hampshire', landline: 'none', weight: 1, areas: areas(['SO14', ''], ['SO15', 'Shirley']) },
  { town: 'Swansea', county: 'West Glamorgan', landline: 'none', weight: 1, areas: areas(['SA1', ''], ['SA2', 'Sketty']) },
];

/** Letters Royal Mail uses in the inward code's unit part (no C, I, K, M, O, V). */
export const POSTCODE_UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export const EMAIL_DOMAINS = [
  'gmail.com', 'yahoo.co.uk', 'hotmail.co.uk', 'outlook.com', 'btinternet.com', 'icloud.com',
  'sky.com', 'live.co.uk', 'virginmedia.com', 'aol.com', 'googlemail.com', 'protonmail.com',
] as const;
export const EMAIL_DOMAIN_WEIGHTS = [30, 8, 12, 12, 8, 10, 4, 4, 4, 2, 4, 2] as const;
