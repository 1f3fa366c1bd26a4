/**
 * Common English given names and their everyday short forms, for the dedupe matcher: "Bob Smith" and
 * "Robert Smith" on one email and phone are probably one person typed two ways. Each group is a formal name
 * and the forms people go by; two names are nicknames of each other when one group holds both. A short form
 * of several names sits in each of their groups ("Alex" in Alexander's and Alexandra's), so Alexander and Alex
 * match, and Alexandra and Alex, but never Alexander and Alexandra (two people). Names are folded name keys
 * (lower case, ASCII). Deliberately small: a name missing here only means a review instead of a link.
 */
const nicknameGroups: readonly (readonly string[])[] = [
  ['abigail', 'abby', 'abbie', 'gail'],
  ['albert', 'al', 'bert', 'bertie'],
  ['alexander', 'alex', 'al', 'xander', 'sandy'],
  ['alexandra', 'alex', 'lexi', 'lexie', 'sasha'],
  ['alison', 'ali', 'allie'],
  ['allison', 'ali', 'allie'],
  ['amanda', 'mandy'],
  ['andrew', 'andy', 'drew'],
  ['anne', 'annie'],
  ['anna', 'annie'],
  ['anthony', 'tony', 'ant'],
  ['antonia', 'toni', 'tonia'],
  ['benjamin', 'ben', 'benny', 'benji'],
  ['caroline', 'carrie', 'caro'],
  ['cassandra', 'cassie', 'cass'],
  ['catherine', 'cathy', 'cat', 'kate', 'katie'],
  ['charles', 'charlie', 'chuck', 'chas'],
  ['charlotte', 'lottie', 'charlie', 'lotte'],
  ['christina', 'chris', 'chrissy', 'tina'],
  ['christine', 'chris', 'chrissy', 'tina'],
  ['christopher', 'chris', 'topher', 'kit'],
  ['cynthia', 'cindy'],
  ['daniel', 'dan', 'danny'],
  ['danielle', 'dani'],
  ['david', 'dave', 'davey'],
  ['deborah', 'deb', 'debbie', 'debra'],
  ['donald', 'don', 'donnie'],
  ['dorothy', 'dot', 'dottie'],
  ['douglas', 'doug'],
  ['edward', 'ed', 'eddie', 'ted', 'teddy', 'ned'],
  ['eleanor', 'ellie', 'nell', 'nora'],
  ['elizabeth', 'liz', 'lizzie', 'lizzy', 'beth', 'betty', 'betsy', 'libby', 'eliza'],
  ['emily', 'em', 'emmy', 'millie'],
  ['emma', 'em', 'emmy'],
  ['frances', 'fran', 'frankie'],
  ['francis', 'frank', 'fran'],
  ['frederick', 'fred', 'freddie', 'freddy'],
  ['gabriel', 'gabe'],
  ['gabriella', 'gabby', 'gabi'],
  ['gabrielle', 'gabby', 'gabi'],
  ['gerald', 'gerry', 'jerry'],
  ['gregory', 'greg'],
  ['harold', 'harry', 'hal'],
  ['henry', 'harry', 'hank', 'hal'],
  ['isabel', 'izzy', 'bella', 'isa'],
  ['isabella', 'izzy', 'bella', 'isa'],
  ['jacqueline', 'jackie'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['jeffrey', 'jeff'],
  ['jennifer', 'jen', 'jenn', 'jenny'],
  ['jessica', 'jess', 'jessie'],
  ['john', 'johnny', 'jack'],
  ['jonathan', 'jon', 'jonny'],
  ['joseph', 'joe', 'joey'],
  ['josephine', 'jo', 'josie'],
  ['joshua', 'josh'],
  ['katherine', 'kate', 'katie', 'kathy', 'kat'],
  ['kathryn', 'kate', 'katie', 'kathy', 'kat'],
  ['kenneth', 'ken', 'kenny'],
  ['kimberly', 'kim'],
  ['lawrence', 'larry'],
  ['leonard', 'leo', 'len', 'lenny'],
  ['louise', 'lou', 'lulu'],
  ['louis', 'lou'],
  ['madeleine', 'maddie', 'maddy'],
  ['madeline', 'maddie', 'maddy'],
  ['margaret', 'maggie', 'meg', 'peggy', 'marge', 'margie'],
  ['matthew', 'matt', 'matty'],
  ['michael', 'mike', 'mikey', 'mick', 'mickey'],
  ['natalie', 'nat', 'natty'],
  ['nathan', 'nate', 'nat'],
  ['nathaniel', 'nate', 'nat'],
  ['nicholas', 'nick', 'nicky', 'nico'],
  ['nicole', 'nikki', 'nicky', 'nic'],
  ['olivia', 'liv', 'livvy'],
  ['pamela', 'pam'],
  ['patricia', 'patty', 'pat', 'trish', 'tricia'],
  ['patrick', 'pat', 'paddy'],
  ['penelope', 'penny'],
  ['peter', 'pete'],
  ['philip', 'phil'],
  ['phillip', 'phil'],
  ['raymond', 'ray'],
  ['rebecca', 'becky', 'becca'],
  ['richard', 'rick', 'ricky', 'rich', 'dick'],
  ['robert', 'bob', 'bobby', 'rob', 'robbie', 'bert'],
  ['ronald', 'ron', 'ronnie'],
  ['samantha', 'sam', 'sammy'],
  ['samuel', 'sam', 'sammy'],
  ['sophia', 'sophie'],
  ['sofia', 'sophie'],
  ['stephanie', 'steph', 'stephie'],
  ['stephen', 'steve', 'stevie'],
  ['steven', 'steve', 'stevie'],
  ['susan', 'sue', 'susie'],
  ['teresa', 'tess', 'tessa', 'terri'],
  ['theresa', 'tess', 'tessa', 'terri'],
  ['theodore', 'theo', 'ted', 'teddy'],
  ['thomas', 'tom', 'tommy'],
  ['timothy', 'tim', 'timmy'],
  ['valerie', 'val'],
  ['victoria', 'tori', 'vicky', 'vicki'],
  ['vincent', 'vince', 'vinny'],
  ['walter', 'walt', 'wally'],
  ['william', 'bill', 'billy', 'will', 'willie', 'liam'],
  ['zachary', 'zach', 'zack'],
];

/** Each name's groups (by index), built on first use. */
let groupsOfName: Map<string, readonly number[]> | undefined;

function groupsOf(name: string): readonly number[] | undefined {
  if (groupsOfName === undefined) {
    const built = new Map<string, number[]>();
    nicknameGroups.forEach((group, index) => {
      for (const member of group) {
        const groups = built.get(member);
        if (groups === undefined) built.set(member, [index]);
        else groups.push(index);
      }
    });
    groupsOfName = built;
  }
  return groupsOfName.get(name);
}

/**
 * Whether two different folded given names are one name and its short form, or two short forms of one name
 * ("robert" and "bob", "bob" and "rob"); false for equal names and for names the table does not know.
 */
export function areNicknames(first: string, second: string): boolean {
  if (first === second) return false;
  const firstGroups = groupsOf(first);
  const secondGroups = groupsOf(second);
  if (firstGroups === undefined || secondGroups === undefined) return false;
  return firstGroups.some((group) => secondGroups.includes(group));
}
