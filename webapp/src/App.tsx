import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { ACCOUNT_PATH, RequireAuth, SessionProvider } from './auth/session';
import { Layout } from './components/Layout';
import { AccountSecurity } from './pages/account/AccountSecurity';
import { AdminAssignments } from './pages/admin/AdminAssignments';
import { AdminAudit } from './pages/admin/AdminAudit';
import { AdminEligibilityFile } from './pages/admin/AdminEligibilityFile';
import { AdminEmployer } from './pages/admin/AdminEmployer';
import { AdminEmployers } from './pages/admin/AdminEmployers';
import { AdminUsers } from './pages/admin/AdminUsers';
import { LinkComplete } from './pages/LinkComplete';
import { MemberList } from './pages/MemberList';
import { MemberPage } from './pages/member/MemberPage';
import { NotFound } from './pages/NotFound';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';
import { VerifySignup } from './pages/VerifySignup';
import { RiskCalculator } from './pages/tools/RiskCalculator';
import { WellnessCalculator } from './pages/tools/WellnessCalculator';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route path="/link-complete" element={<LinkComplete />} />
      <Route path="/sign-up" element={<SignUp />} />
      <Route path="/verify" element={<VerifySignup />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/members" replace />} />
        <Route path="/members" element={<MemberList />} />
        <Route path="/members/:memberId" element={<MemberPage />} />
        <Route path="/tools/risk-profile" element={<RiskCalculator />} />
        <Route path="/tools/wellness-score" element={<WellnessCalculator />} />
        <Route path={ACCOUNT_PATH} element={<AccountSecurity />} />
        <Route
          path="/admin/users"
          element={
            <RequireAuth role="admin">
              <AdminUsers />
            </RequireAuth>
          }
        />
        <Route
          path="/admin/assignments"
          element={
            <RequireAuth role="admin">
              <AdminAssignments />
            </RequireAuth>
          }
        />
        <Route
          path="/admin/audit"
          element={
            <RequireAuth role="admin">
              <AdminAudit />
            </RequireAuth>
          }
        />
        {[
          ['/admin/employers', <AdminEmployers key="employers" />],
          ['/admin/employers/:employerId', <AdminEmployer key="employer" />],
          ['/admin/employers/:employerId/files/:fileId', <AdminEligibilityFile key="file" />],
        ].map(([path, page]) => (
          <Route key={path as string} path={path as string} element={<RequireAuth role="admin">{page}</RequireAuth>} />
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <AppRoutes />
      </SessionProvider>
    </BrowserRouter>
  );
}
