library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent: one process with variables, subtraction as a + not b + 1 written with an integer carry-in.
entity TopModule is
  port (a, b : in std_logic_vector(15 downto 0); sub : in std_logic;
        result : out std_logic_vector(15 downto 0); cout, ovf, zero : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  process (a, b, sub)
    variable bx : unsigned(15 downto 0);
    variable s : unsigned(16 downto 0);
  begin
    if sub = '1' then bx := unsigned(not b); else bx := unsigned(b); end if;
    s := ('0' & unsigned(a)) + ('0' & bx);
    if sub = '1' then s := s + 1; end if;
    result <= std_logic_vector(s(15 downto 0));
    cout <= s(16);
    if a(15) = bx(15) and s(15) /= a(15) then ovf <= '1'; else ovf <= '0'; end if;
    if s(15 downto 0) = 0 then zero <= '1'; else zero <= '0'; end if;
  end process;
end architecture;
