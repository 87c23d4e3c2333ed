// The Action's entry (action.yml). The bundle is in action/.
import './action/index.js';
